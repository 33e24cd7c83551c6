"""DigiTeller engine: turns a StoryRequest into a narrated, illustrated video.

Never imports bot/ or storage/. Importing the package installs a zero-cost import hook that makes a
later ``import torchvision`` safe beside the project's CPU torch (see engine.torchvision_compat):
transformers and the seed image generators import torchvision when it is installed.
"""

from engine.torchvision_compat import install_import_hook as _install_torchvision_hook

_install_torchvision_hook()
