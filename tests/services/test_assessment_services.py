"""Assessment (定考核办法, DOMAIN.md §9): the rules the services keep around the scores."""

from __future__ import annotations

import pytest

from tracker.assessment import services as assessment
from tracker.assessment.models import Scorecard
from tracker.core.errors import ValidationFailed


def test_a_co_card_is_refused_for_an_answering_unit_and_a_lead_card_for_a_co_unit(f):
    """A lead unit given the co card would be scored on "会办意见按时提交" (0/50 for an opinion
    it never owes) and never on its reply; the office is told instead, nothing is assigned."""
    lead_card, co_card = assessment.default_scorecard("lead"), assessment.default_scorecard("co")
    item = f.item()
    lead, co = f.unit("市住房和城乡建设局"), f.unit("市交通运输局")
    with pytest.raises(ValidationFailed) as refused:
        f.assign(item, lead, role="lead", scorecard_id=co_card.id)
    assert refused.value.fields["scorecard_id"] == (
        "考核办法“建议提案办理考核（会办）”用于会办考核，不适用于主办、独办、分办单位")
    assert not item.assignments.exists()
    a = f.assign(item, lead, role="lead", scorecard_id=lead_card.id)
    with pytest.raises(ValidationFailed) as refused:
        f.assign(item, co, role="co", scorecard_id=lead_card.id)
    assert refused.value.fields["scorecard_id"] == (
        "考核办法“建议提案办理考核（主办）”用于主办（答复）考核，不适用于会办单位")
    assert f.assign(item, co, role="co", scorecard_id=co_card.id).scorecard_id == co_card.id
    assert a.scorecard_id == lead_card.id


def test_a_stopped_card_is_not_given_to_new_assignments(f):
    card = Scorecard.create(name="旧考核办法", applies_to="lead", active=False)
    with pytest.raises(ValidationFailed) as refused:
        f.assign(f.item(), f.unit(), scorecard_id=card.id)
    assert refused.value.fields["scorecard_id"] == "考核办法“旧考核办法”已停用"
