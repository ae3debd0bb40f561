-- Batches under the tenancy rules of 0030: a reader sees the members and reports of its tenant's
-- batches and nothing of the others'.
--
-- lector.batches already has its policies (0030). Its members follow their batch; the fingerprints of
-- inbox files (paths on the service's machines) are the service's alone.
ALTER TABLE lector.batch_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.batch_items AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
CREATE POLICY reader_tenant ON lector.batch_items AS RESTRICTIVE FOR ALL TO PUBLIC
    USING (NOT EXISTS (SELECT 1 FROM lector.tenant_readers r WHERE r.role_name = current_user)
           OR batch_id IN (SELECT b.id FROM lector.batches b));

ALTER TABLE lector.batch_files ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.batch_files AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
CREATE POLICY reader_none ON lector.batch_files AS RESTRICTIVE FOR ALL TO PUBLIC
    USING (NOT EXISTS (SELECT 1 FROM lector.tenant_readers r WHERE r.role_name = current_user));

-- The batch views read their tables with the rights, and under the policies, of whoever queries them
-- (0020 created them after 0010's views, so 0030 did not set this).
ALTER VIEW lector.batch_item_states SET (security_invoker = true);
ALTER VIEW lector.batch_progress SET (security_invoker = true);
ALTER VIEW lector.batch_report SET (security_invoker = true);
