"""三书一函 (DOMAIN.md §14): 司法建议书, 检察建议书, 监察建议书 and 公安提示函 on the same machinery.

The documents are items of their own kinds (``ItemKind.JUDICIAL`` …); this package adds what
only they have — the document's fields (``SupervisionDoc``), the recipient unit's objection
(``Objection``) and its rectification report (``Rectification``) — and their ledger. Assignment,
deadlines, reminders, replies, close-out and statistics are the shared ones.
"""
