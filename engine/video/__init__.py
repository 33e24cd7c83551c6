"""Video assembly: stills with Ken Burns motion and crossfades, subtitles, soundtrack → mp4 (ffmpeg).

Public API: ``assemble``, ``probe``, ``doctor``. Importing this package runs nothing and imports no
heavy library; ffmpeg is only started by the functions.
"""

from engine.video.assembly import assemble
from engine.video.doctor import doctor
from engine.video.probe import probe

__all__ = ["assemble", "doctor", "probe"]
