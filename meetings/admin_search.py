"""Finding study groups in the admin by the names people use: "SG1", "SG 1", "Study Group 1", "ITU-D SG1".

A study group's title is its subject ("Enabling environment for the development of
telecommunications/ICTs"); people name it by its sector and number, as the circular letter does
("ITU-D Study Groups 1 and 2"). The admin's searches of study groups, and of what belongs to one
(meetings, registrations, decisions, appointments), read such a name in the search term: the rows
of that study group are found, and the rest of the term narrows them as an ordinary search would.
Whatever the ordinary search of the whole term finds is still found.
"""

import re

from django.db.models import Q

from .models import Sector

_SECTOR = r"itu[-\s]?(?P<{name}>[td])"
_NAME = re.compile(
    rf"(?:\b{_SECTOR.format(name='before')}\s*[-/,]?\s*)?"
    r"\b(?:sg|study\s*group)\s*-?\s*(?P<number>\d{1,3})\b"
    rf"(?:\s*[-/,]?\s*\b{_SECTOR.format(name='after')}\b)?",
    re.IGNORECASE,
)


def study_group_reference(term: str) -> tuple[str | None, int, str] | None:
    """The study group named in ``term``, as (sector or None, number, the rest of the term); None if none.

    "ITU-D SG1" → ("ITU-D", 1, ""); "sg 2 Geneva" → (None, 2, "Geneva"); "SG1a" and "SGS" name none.
    """
    match = _NAME.search(term or "")
    if match is None:
        return None
    letter = match.group("before") or match.group("after")
    sector = {"t": Sector.ITU_T.value, "d": Sector.ITU_D.value}[letter.lower()] if letter else None
    rest = " ".join(f"{term[: match.start()]} {term[match.end() :]}".split())
    return sector, int(match.group("number")), rest


class StudyGroupSearchAdminMixin:
    """``get_search_results`` finds the rows of a study group named in the term ("SG1", "Study Group 1").

    ``study_group_path`` is the lookup from the model to its study group ("meeting__study_group"),
    empty for the study groups themselves. The rest of the term is searched in ``search_fields``
    among that study group's rows; the whole term's ordinary search is kept as well.
    """

    study_group_path = ""

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        reference = study_group_reference(search_term)
        if reference is None:
            return results, may_have_duplicates
        sector, number, rest = reference
        prefix = f"{self.study_group_path}__" if self.study_group_path else ""
        named = Q(**{f"{prefix}number": number})
        if sector:
            named &= Q(**{f"{prefix}sector": sector})
        in_the_group, rest_duplicates = super().get_search_results(request, queryset.filter(named), rest)
        return results | in_the_group, may_have_duplicates or rest_duplicates
