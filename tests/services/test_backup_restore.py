"""`tracker db backup` and `tracker db restore`: a round trip gives back the same data."""

from tracker.core.db import db
from tracker.items.models import Item, Submitter


def _snapshot():
    return (
        sorted((i.number, i.title, i.status, i.version) for i in Item.select()),
        sorted((s.item_id, s.name, s.role) for s in Submitter.select()),
    )


def test_backup_restore_round_trip(app, f, runner, tmp_path):
    session = f.session()
    for n in range(5):
        f.item(session=session, number=str(100 + n), title=f"关于改善第{n}片区交通的建议",
               submitters=[{"name": "李代表", "role": "lead"}, {"name": "王代表", "role": "co"}])
    before = _snapshot()
    backup_file = tmp_path / "tracker.backup"
    db.close()
    result = runner.invoke(args=["db", "backup", "--output", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.exists() and backup_file.stat().st_size > 0

    db.connect(reuse_if_open=True)
    Submitter.delete().execute()
    Item.update(title="被改掉的标题").execute()
    assert _snapshot() != before
    db.close()

    result = runner.invoke(args=["db", "restore", str(backup_file), "--yes"])
    assert result.exit_code == 0, result.output
    db.connect(reuse_if_open=True)
    assert _snapshot() == before


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path, ctx):
    bogus = tmp_path / "not-a-backup.db"
    bogus.write_bytes(b"hello, this is not a database")
    db.close()
    result = runner.invoke(args=["db", "restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    db.connect(reuse_if_open=True)
