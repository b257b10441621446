"""Write services for leadership appointments and decisions.

Every write checks meetings.rules first (terms of reference, point 3: no decision-making role for
SME representatives), so that people read the rule's message; the database's triggers stand
behind them for a write that races another, and their refusal reads the same.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Appointment, Decision, DecisionParticipant
from .rules import (
    NO_DECISION_MAKING_MESSAGE,
    SME_NO_DECISION_MAKING,
    decision_making_role_check,
    refused_by_database,
    sme_representatives,
)


def _appointment_gives_a_role(appointment: Appointment) -> bool:
    """A new appointment, or one changing person or dates; an ended appointment's notes stay editable."""
    if appointment.pk is None:
        return True
    before = Appointment.objects.filter(pk=appointment.pk).values("person_id", "starts_on", "ends_on").first()
    if before is None:
        return True
    return before != {
        "person_id": appointment.person_id,
        "starts_on": appointment.starts_on,
        "ends_on": appointment.ends_on,
    }


def appointment_save(*, appointment: Appointment) -> Appointment:
    """Create or change an appointment to a study group's (or Question's) leadership. Never an SME representative."""
    appointment.full_clean()
    if _appointment_gives_a_role(appointment):
        decision_making_role_check(person=appointment.person)
    with refused_by_database(field="person", sme_side=True), transaction.atomic():
        appointment.save()
    return appointment


def appointment_create(*, person, study_group, role, starts_on, ends_on=None, question="", notes=""):
    """Appoint a person to a study group's (or Question's) leadership. Never an SME representative."""
    appointment = Appointment(
        person=person,
        study_group=study_group,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
        question=question,
        notes=notes,
    )
    return appointment_save(appointment=appointment)


def appointment_end(*, appointment, ends_on):
    """Record the last day of an appointment."""
    appointment.ends_on = ends_on
    appointment.full_clean()
    with transaction.atomic():
        appointment.save(update_fields=["ends_on"])
    return appointment


def decision_save(*, decision: Decision) -> Decision:
    """Create or correct a decision's own fields (its participants go through decision_participants_set)."""
    decision.full_clean()
    with transaction.atomic():
        decision.save()
    return decision


def decision_create(*, meeting, kind, reference, title, adopted_on, approval_procedure="", participants=()):
    """Record a meeting's adoption of a decision, with the people taking part in it."""
    decision = Decision(
        meeting=meeting,
        kind=kind,
        reference=reference,
        title=title,
        adopted_on=adopted_on,
        approval_procedure=approval_procedure,
    )
    decision.full_clean()
    with transaction.atomic():
        decision.save()
        # Checks the whole list first; its refusal rolls the decision back with it.
        decision_participants_set(decision=decision, people=participants)
    return decision


def _participants_check(*, people, field="participants"):
    """Refuse the whole list if anyone in it is an SME representative (ToR point 3); one query."""
    ids = {p.pk for p in people}
    if not ids:
        return
    refused = list(sme_representatives().filter(pk__in=ids).order_by("email"))
    if refused:
        names = ", ".join(user.get_full_name() or user.email or user.get_username() for user in refused)
        raise ValidationError(
            {field: _("%(rule)s Refused: %(names)s.") % {"rule": NO_DECISION_MAKING_MESSAGE, "names": names}},
            code=SME_NO_DECISION_MAKING,
        )


def decision_participants_set(*, decision, people):
    """Make `people` exactly the participants recorded in `decision`.

    The bulk path: the whole list is checked against the rule before anything is written, so either
    every change is made or none is. Rows are saved one by one (not bulk_create) so each gets its
    history record.
    """
    people = list(people)
    _participants_check(people=people)
    wanted = {p.pk: p for p in people}
    with refused_by_database(field="participants", sme_side=True), transaction.atomic():
        existing = {
            dp.person_id: dp for dp in DecisionParticipant.objects.select_for_update().filter(decision=decision)
        }
        for person_id, row in existing.items():
            if person_id not in wanted:
                row.delete()
        for person_id, person in wanted.items():
            if person_id not in existing:
                DecisionParticipant.objects.create(decision=decision, person=person)
    return decision


def decision_participant_add(*, decision, person):
    """Record one more person as taking part in a decision."""
    decision_making_role_check(person=person)
    with refused_by_database(field="person", sme_side=True), transaction.atomic():
        row, _created = DecisionParticipant.objects.get_or_create(decision=decision, person=person)
    return row
