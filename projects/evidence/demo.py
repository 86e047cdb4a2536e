"""Demo evidence pack for ``lms demo``: the demo trainee's pack for an immigration office, of her completion
records and verified Korean level, issued (idempotent: a trainee with a pack gets no more)."""

from __future__ import annotations

from projects.evidence import services


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded`` (through ``projects.demo_loaded``)."""
    trainee = people.get("trainee@demo.gongbang.kr")
    if trainee is None or services.packs_of(trainee):
        return
    found = services.options(trainee).keys()
    chosen = {"completions": sorted(found["completions"]), "korean": sorted(found["korean"])}
    if not any(chosen.values()):
        return
    pack = services.create_pack(trainee, "immigration", "서울남부출입국·외국인사무소", chosen)
    services.issue_pack(pack, trainee, consent=True)
