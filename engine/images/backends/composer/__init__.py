"""The scene composer (default, embedded): storybook pictures from OpenMoji / Open Clip Art drawings.

Module map: ``assets`` finds and installs the art packages; ``index`` builds and searches the word →
drawing index on top of them; ``words``/``wordmap`` turn scene text into lemmas and curated English
twins; ``setting`` reads place, time, weather and season; ``cast`` fixes which drawing plays which
character; ``planner`` reads every scene before any is drawn (who is in it, where, when);
``painter``/``render`` paint backgrounds and rasterise drawings; ``composer`` lays a scene out and
draws it. Needs only the npm/Debian art and runs in well under a second a scene on a CPU.
"""

from __future__ import annotations

from pathlib import Path

from engine.backends import BackendStatus
from engine.errors import BackendUnavailable
from engine.progress import StageReporter
from engine.story import Story


class ComposerBackend:
    """The images block's embedded default (see the module map above)."""

    name = "composer"

    def status(self) -> BackendStatus:
        from engine.images.backends.composer.assets import locate
        from engine.images.backends.composer.index import index_path

        roots = locate()
        if roots.openmoji is None:
            return BackendStatus(
                "images", self.name, False, "needs npm openmoji@17.0.0 (run `python -m engine assets`)"
            )
        if not index_path().is_file():
            return BackendStatus(
                "images", self.name, False, "asset index not built (run `python -m engine assets`)"
            )
        extra = "" if roots.openclipart else "; Debian openclipart-svg not found (optional)"
        return BackendStatus("images", self.name, True, f"OpenMoji + painted backgrounds, CPU{extra}")

    def draw(self, story: Story, folder: Path, size: tuple[int, int], report: StageReporter) -> None:
        """Compose every scene without a picture (all of them, unless another backend drew some)."""
        from engine.images.backends.composer.assets import ATTRIBUTION
        from engine.images.backends.composer.composer import compose_story

        self._ensure_art()
        compose_story(story, folder, size, report, only={s.index for s in story.scenes if s.image is None})
        if ATTRIBUTION not in story.notes:
            story.notes.append(ATTRIBUTION)

    def keywords(self, story: Story, folder: Path) -> None:
        """Fill ``scene.keywords_en`` from the word map (English words for generators that read English),
        for stories whose writer did not describe the scenes."""
        from engine.images.backends.composer.composer import Composer

        self._ensure_art()
        composer = Composer(story, folder)
        for plan in composer.plan():
            rows = [composer._match_row(p) for p in plan.subjects if p.role != "cast"]
            plan.scene.keywords_en = composer.keywords_en(plan, rows)

    @staticmethod
    def _ensure_art() -> None:
        from engine.images.backends.composer.index import ensure_assets

        try:
            ensure_assets()
        except Exception as exc:
            raise BackendUnavailable(
                "images", f"scene art is missing: {exc}; run `python -m engine assets`"
            ) from exc


__all__ = ["ComposerBackend"]
