"""The admin's search, written table by table so that each table's indexes answer it.

Django's admin searches ``search_fields`` with one condition per term: the OR of every field's
match, across the tables it joins (``participant__family_name``, ``sme__name``...). PostgreSQL cannot
serve an OR that spans tables with indexes, so it reads every row of every joined table: with
100,000 registrations a search by a participant's name took about 20 times the time it takes with
100. Here each table is searched on its own, through its trigram indexes (registration migration
0006), for the rows whose fields match; the rows found along each relation are combined with
UNION, and the list keeps the rows whose id is among them:

    registration.id IN (
        SELECT id FROM registration WHERE participant_id IN (
            SELECT id FROM profile WHERE given_name ... OR family_name ...)
        UNION SELECT id FROM registration WHERE participant_id IN (
            SELECT id FROM profile WHERE user_id IN (SELECT id FROM user WHERE email ...))
        UNION SELECT id FROM registration WHERE sme_id IN (SELECT id FROM sme WHERE name ...)
    )

It finds what Django's search finds: each term (split and unquoted the same way) must match one of
the fields, with the same lookups (``icontains``; ``^`` istartswith, ``=`` iexact). An admin whose
search follows a to-many relation or uses another lookup keeps Django's search.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal

PREFIX_LOOKUPS = {"^": "istartswith", "=": "iexact"}


def search_terms(search_term: str) -> list[str]:
    """The terms as Django's admin reads them: split on spaces, quoted phrases kept whole and unquoted."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        terms.append(bit)
    return terms


def _relation_path(model, search_field: str) -> tuple[tuple[str, ...], str] | None:
    """(the to-one relations followed, the lookup on the last table's field); None if the field cannot be
    searched table by table (a to-many relation, a lookup given in the name, a full-text search)."""
    lookup = "icontains"
    if search_field[:1] in PREFIX_LOOKUPS:
        lookup, search_field = PREFIX_LOOKUPS[search_field[0]], search_field[1:]
    elif search_field[:1] == "@":
        return None
    *relations, name = search_field.split("__")
    opts = model._meta
    for relation in relations:
        try:
            field = opts.get_field(relation)
        except FieldDoesNotExist:
            return None
        if not (field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete):
            return None
        opts = field.related_model._meta
    try:
        field = opts.get_field("pk" if name == "pk" else name)
    except FieldDoesNotExist:
        return None
    if field.is_relation:
        return None
    return tuple(relations), f"{name}__{lookup}"


def fields_by_table(model, search_fields) -> dict[tuple[str, ...], list[str]] | None:
    """The search fields grouped by the chain of relations that leads to their table; None if one cannot be."""
    grouped: dict[tuple[str, ...], list[str]] = {}
    for search_field in search_fields:
        path = _relation_path(model, str(search_field))
        if path is None:
            return None
        relations, lookup = path
        grouped.setdefault(relations, []).append(lookup)
    return grouped


def _ids_matching(model, relations: tuple[str, ...], lookups: list[str], term: str, *, read_first: bool = False):
    """The ids of ``model``'s rows whose related row (along ``relations``) matches ``term`` in one of ``lookups``
    (a subquery); None when ``read_first`` and no related row matches.

    ``read_first`` reads the related table's matching ids first, in a query of their own: for a small
    table (a pilot's few dozen meetings), whose rows each stand for thousands of registrations, the
    planner would otherwise expect thousands of rows from the search and read whole tables.
    """
    models = [model]
    for relation in relations:
        models.append(models[-1]._meta.get_field(relation).related_model)
    matching = models[-1]._base_manager.filter(Q.create([(lookup, term) for lookup in lookups], connector=Q.OR))
    # Without the models' default ordering: a subquery's order is discarded, and SQLite refuses one in a UNION.
    ids = matching.order_by().values("pk")
    for depth, (relation, owner) in enumerate(zip(reversed(relations), reversed(models[:-1]), strict=True)):
        if read_first and depth == len(relations) - 1:
            ids = list(ids.values_list("pk", flat=True))
            if not ids:
                return None
        ids = owner._base_manager.filter(**{f"{relation}__in": ids}).order_by().values("pk")
    return ids


class TableByTableSearchAdminMixin:
    """``get_search_results`` that searches each table of ``search_fields`` on its own (see the module).

    ``search_small_relations``: the relations to small tables whose matching ids are read first.
    """

    search_small_relations: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        search_fields = self.get_search_fields(request)
        grouped = fields_by_table(queryset.model, search_fields) if search_fields and search_term else None
        if not grouped:
            return super().get_search_results(request, queryset, search_term)
        for term in search_terms(search_term):
            branches = [
                _ids_matching(
                    queryset.model,
                    relations,
                    lookups,
                    term,
                    read_first=bool(relations) and relations[0] in self.search_small_relations,
                )
                for relations, lookups in grouped.items()
            ]
            branches = [branch for branch in branches if branch is not None]
            if not branches:
                return queryset.none(), False
            ids = branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]
            queryset = queryset.filter(pk__in=ids)
        # Every relation followed is to-one: a row is listed once.
        return queryset, False
