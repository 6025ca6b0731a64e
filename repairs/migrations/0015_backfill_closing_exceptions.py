# Work orders completed before a closing record was required (the register's and the API's bare "complete")
# have no customer's proof. Those not paid yet get a closing record marked as an exception — no signature, no
# code — so that the settlement holds them, like any closing without proof, and they appear on the manager's
# list of closings without the customer's proof to be cleared (then paid in the month they are cleared).
# Work already on a settlement statement is left as it was. Fault and cause: the category's first codes.

from django.db import migrations

BACKFILL = """
INSERT INTO repairs_workorderclosing
    (work_order_id, client_id, fault_code_id, cause_id, resolution, resolution_note, labour_minutes,
     collected_amount, payment_method, signature, confirmed_by_code, satisfaction, channel,
     proof_exception_reason, proof_cleared_note, closed_by_id, closed_at)
SELECT w.id, md5('closing-backfill-' || w.id)::uuid, f.id, cz.id, 'repaired', '', 1,
       0, '', '', false, '', 'office',
       '要求完工记录之前已完工：没有客户签名或确认码的记录（系统补记）', '',
       who.id, COALESCE(w.completed_at, w.closed_at, w.status_changed_at)
FROM repairs_workorder w
JOIN repairs_repaircall c ON c.id = w.call_id
JOIN repairs_productunit u ON u.id = c.unit_id
JOIN repairs_productmodel m ON m.id = u.model_id
LEFT JOIN network_technician t ON t.id = w.technician_id
CROSS JOIN LATERAL (
    SELECT COALESCE(t.user_id, w.dispatched_by_id, c.logged_by_id, (SELECT min(id) FROM auth_user)) AS id
) who
CROSS JOIN LATERAL (
    SELECT x.id FROM repairs_faultcode x WHERE x.kind = 'fault'
    ORDER BY (x.category_id = m.category_id) DESC, x.id LIMIT 1
) f
CROSS JOIN LATERAL (
    SELECT x.id FROM repairs_faultcode x WHERE x.kind = 'cause'
    ORDER BY (x.category_id = m.category_id) DESC, x.id LIMIT 1
) cz
WHERE w.status IN ('completed', 'closed') AND w.guided_at IS NULL
  AND who.id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM repairs_workorderclosing k WHERE k.work_order_id = w.id)
  AND NOT EXISTS (SELECT 1 FROM network_settlementline l WHERE l.work_order_id = w.id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0014_completed_needs_closing"),
        ("network", "0011_settlement_frozen_per_statement"),
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
