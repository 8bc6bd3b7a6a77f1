from huike.core.scopes import visible
from tests.testapp.models import Memo


def test_demo_rep_sees_only_own_memos(demo):
    rep, other = demo["rep_east1"], demo["rep_east2"]
    mine = Memo.objects.create(title="mine", owner=rep)
    Memo.objects.create(title="theirs", owner=other)
    assert list(visible(rep, Memo)) == [mine]
