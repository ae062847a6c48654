from tracker.core.enums import AssignmentStatus, ItemStatus


def test_register_assign_receive(f):
    unit = f.unit("市住房和城乡建设局", "市住建局")
    item = f.item(number="101")
    assert item.status == ItemStatus.REGISTERED
    a = f.assign(item, unit)
    assert a.status == AssignmentStatus.PENDING_RECEIPT
    assert a.reply_due > a.assigned_on
    item = item.refresh()
    assert item.status == ItemStatus.ASSIGNED
