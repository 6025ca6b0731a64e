# A work order is completed only with its closing record (fault, labour, the customer's signature or code, or
# a supervisor's recorded exception): repairs.closing writes both in one transaction, and these triggers make
# every other way in — a transition, the admin, an UPDATE by hand, a bulk load — fail at commit.
#
# Checked when an order enters "completed" or "closed" (not after phone guidance) from another status, or is
# inserted in one of them; the check is deferred to the commit, so the closing may be written after the status
# in the same transaction. Orders completed before this rule keep their state (an order is not checked again
# when it goes on from "completed" to "closed"). A closing record is never deleted.

from django.db import migrations

FUNCTION = """
CREATE FUNCTION repairs_workorder_check_closing() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM repairs_workorder w
         WHERE w.id = NEW.id AND w.status IN ('completed', 'closed') AND w.guided_at IS NULL
    ) AND NOT EXISTS (SELECT 1 FROM repairs_workorderclosing k WHERE k.work_order_id = NEW.id) THEN
        RAISE EXCEPTION 'work order % is % without a closing record', NEW.number, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'work_order_completed_has_closing';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER work_order_completed_has_closing_insert
    AFTER INSERT ON repairs_workorder
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (NEW.status IN ('completed', 'closed') AND NEW.guided_at IS NULL)
    EXECUTE FUNCTION repairs_workorder_check_closing();

CREATE CONSTRAINT TRIGGER work_order_completed_has_closing_update
    AFTER UPDATE OF status ON repairs_workorder
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (NEW.status IN ('completed', 'closed') AND NEW.guided_at IS NULL
          AND OLD.status NOT IN ('completed', 'closed'))
    EXECUTE FUNCTION repairs_workorder_check_closing();

CREATE FUNCTION repairs_workorderclosing_keep() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a closing record is kept: it cannot be deleted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'closing_kept';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER closing_kept BEFORE DELETE ON repairs_workorderclosing
    FOR EACH ROW EXECUTE FUNCTION repairs_workorderclosing_keep();
"""

REVERSE = """
DROP TRIGGER closing_kept ON repairs_workorderclosing;
DROP FUNCTION repairs_workorderclosing_keep();
DROP TRIGGER work_order_completed_has_closing_update ON repairs_workorder;
DROP TRIGGER work_order_completed_has_closing_insert ON repairs_workorder;
DROP FUNCTION repairs_workorder_check_closing();
"""


class Migration(migrations.Migration):
    dependencies = [("repairs", "0013_closing_proof")]

    operations = [migrations.RunSQL(FUNCTION, REVERSE)]
