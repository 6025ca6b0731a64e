"""Administrative time entries are append-only, whatever code (or operator with psql) tries: the database
refuses every DELETE, and every UPDATE except the one cancellation of an entry not yet cancelled (its
cancelled_at, cancelled_by and cancel_reason alone). TRUNCATE (test flushes) is not affected."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION network_admin_time_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'administrative time entry % cannot be deleted: cancel it', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.cancelled_at IS NULL AND NEW.cancelled_at IS NOT NULL
       AND (to_jsonb(NEW) - 'cancelled_at' - 'cancelled_by_id' - 'cancel_reason')
           = (to_jsonb(OLD) - 'cancelled_at' - 'cancelled_by_id' - 'cancel_reason') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'administrative time entry % cannot change: cancel it and record it again', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER network_admin_time_append_only BEFORE UPDATE OR DELETE ON network_admintimeentry
    FOR EACH ROW EXECUTE FUNCTION network_admin_time_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS network_admin_time_append_only ON network_admintimeentry;
DROP FUNCTION IF EXISTS network_admin_time_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("network", "0013_admin_time_entries")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
