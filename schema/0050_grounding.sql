-- Quote grounding you can trust (issue 14): how each quote matched, what the page says where the match
-- is only approximate, where the quote is on the page, and what contradicts itself in a finding.

-- exact | normalized (meaning-preserving normalisation only) are verified; approximate (the page's own
-- text is in document_text), not_found and too_short are not. Quotes grounded before this migration were
-- verified by a tolerant rule that accepted meaning-changing edits: they are 'unchecked' and no longer
-- count as verified until their document is analysed again.
ALTER TABLE lector.finding_quotes
    ADD COLUMN match text NOT NULL DEFAULT 'unchecked'
        CHECK (match IN ('exact', 'normalized', 'approximate', 'not_found', 'too_short', 'unchecked')),
    ADD COLUMN document_text text,
    -- [{"page", "start", "end", "boxes": [{"x1", "y1", "x2", "y2"}]}]: offsets in the page text in
    -- characters (substr(text, start + 1, end - start)), boxes in PDF points, origin top left, one per line.
    ADD COLUMN locations jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE lector.finding_quotes SET verified = false WHERE verified;
ALTER TABLE lector.finding_quotes
    ADD CONSTRAINT finding_quotes_verified_is_match CHECK (verified = (match IN ('exact', 'normalized')));

-- Whether the normalised date, amount or duration appears in a verified quote (NULL: no such value), and
-- what contradicts itself: present_without_verified_quote, absent_with_quotes, value_not_in_quotes.
ALTER TABLE lector.findings
    ADD COLUMN value_grounded boolean,
    ADD COLUMN grounding_flags text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE VIEW lector.latest_findings AS
SELECT f.document_id, d.tenant, d.filename, d.sha256,
       a.id AS analysis_id, a.profile, a.model, a.finished_at AS analysed_at,
       f.id AS finding_id, f.category, f.presence, f.value, f.normalized,
       f.value_date, f.value_duration, lector.try_interval(f.value_duration) AS value_interval,
       f.value_amount, f.value_currency, f.value_bool,
       f.pages, f.confidence, f.risk, f.risk_rationale,
       q.quote_count, q.verified_quote_count, q.quotes,
       q.exact_quote_count, q.normalized_quote_count, q.approximate_quote_count, q.not_found_quote_count,
       q.too_short_quote_count, f.value_grounded, f.grounding_flags
FROM lector.latest_analyses a
JOIN lector.documents d ON d.id = a.document_id
JOIN lector.findings f ON f.analysis_id = a.id
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS quote_count,
           (count(*) FILTER (WHERE fq.verified))::integer AS verified_quote_count,
           coalesce(jsonb_agg(jsonb_build_object(
               'page', fq.page, 'text', fq.text, 'verified', fq.verified, 'match', fq.match,
               'page_corrected_from', fq.page_corrected_from, 'document_text', fq.document_text,
               'locations', fq.locations) ORDER BY fq.ordinal), '[]'::jsonb) AS quotes,
           (count(*) FILTER (WHERE fq.match = 'exact'))::integer AS exact_quote_count,
           (count(*) FILTER (WHERE fq.match = 'normalized'))::integer AS normalized_quote_count,
           (count(*) FILTER (WHERE fq.match = 'approximate'))::integer AS approximate_quote_count,
           (count(*) FILTER (WHERE fq.match = 'not_found'))::integer AS not_found_quote_count,
           (count(*) FILTER (WHERE fq.match = 'too_short'))::integer AS too_short_quote_count
    FROM lector.finding_quotes fq
    WHERE fq.finding_id = f.id
) q;

-- unverified_quotes counts every quote that is not exact or normalised; the kinds follow at the end.
CREATE OR REPLACE VIEW lector.contract_overview AS
SELECT d.id AS document_id, d.tenant, d.filename, d.sha256, d.page_count, d.submitted_at,
       a.id AS analysis_id, a.profile, a.model, a.finished_at AS analysed_at,
       coalesce(nullif(a.document_facts ->> 'title', ''), k.document_name) AS title,
       a.document_facts ->> 'type' AS contract_type,
       coalesce(
           (SELECT string_agg((p ->> 'name') || coalesce(' (' || (p ->> 'role') || ')', ''), '; ')
            FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(a.document_facts -> 'parties') = 'array'
                     THEN a.document_facts -> 'parties' ELSE '[]'::jsonb END) AS p),
           k.parties) AS parties,
       k.agreement_date, k.effective_date, k.expiration_date,
       k.renewal_term, lector.try_interval(k.renewal_term) AS renewal_interval,
       k.notice_period, lector.try_interval(k.notice_period) AS notice_interval,
       coalesce(nullif(a.document_facts ->> 'governing_law', ''), k.governing_law) AS governing_law,
       k.liability_cap, k.liability_cap_amount, k.liability_cap_currency,
       k.findings_present, k.findings_total, qk.unverified AS unverified_quotes, k.highest_risk,
       qk.approximate AS approximate_quotes, qk.not_found AS not_found_quotes, qk.too_short AS too_short_quotes,
       k.flagged_findings
FROM lector.documents d
LEFT JOIN lector.latest_analyses a ON a.document_id = d.id
LEFT JOIN LATERAL (
    SELECT max(f.value) FILTER (WHERE f.category = 'document_name' AND f.presence = 'present') AS document_name,
           max(f.value) FILTER (WHERE f.category = 'parties' AND f.presence = 'present') AS parties,
           max(f.value_date) FILTER (WHERE f.category = 'agreement_date' AND f.presence = 'present') AS agreement_date,
           max(f.value_date) FILTER (WHERE f.category = 'effective_date' AND f.presence = 'present') AS effective_date,
           max(f.value_date) FILTER (WHERE f.category = 'expiration_date' AND f.presence = 'present') AS expiration_date,
           max(f.value_duration) FILTER (WHERE f.category = 'renewal_term' AND f.presence = 'present') AS renewal_term,
           max(f.value_duration) FILTER (WHERE f.category = 'notice_period' AND f.presence = 'present') AS notice_period,
           max(f.value) FILTER (WHERE f.category = 'governing_law' AND f.presence = 'present') AS governing_law,
           max(f.value) FILTER (WHERE f.category = 'cap_on_liability' AND f.presence = 'present') AS liability_cap,
           max(f.value_amount) FILTER (WHERE f.category = 'cap_on_liability' AND f.presence = 'present') AS liability_cap_amount,
           max(f.value_currency) FILTER (WHERE f.category = 'cap_on_liability' AND f.presence = 'present') AS liability_cap_currency,
           (count(*) FILTER (WHERE f.presence = 'present'))::integer AS findings_present,
           count(*)::integer AS findings_total,
           (array_agg(f.risk ORDER BY CASE f.risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC)
               FILTER (WHERE f.risk IS NOT NULL AND f.presence = 'present'))[1] AS highest_risk,
           (count(*) FILTER (WHERE cardinality(f.grounding_flags) > 0))::integer AS flagged_findings
    FROM lector.findings f
    WHERE f.analysis_id = a.id
) k ON true
LEFT JOIN LATERAL (
    SELECT (count(*) FILTER (WHERE fq.match NOT IN ('exact', 'normalized')))::integer AS unverified,
           (count(*) FILTER (WHERE fq.match = 'approximate'))::integer AS approximate,
           (count(*) FILTER (WHERE fq.match = 'not_found'))::integer AS not_found,
           (count(*) FILTER (WHERE fq.match = 'too_short'))::integer AS too_short
    FROM lector.finding_quotes fq JOIN lector.findings f2 ON f2.id = fq.finding_id
    WHERE f2.analysis_id = a.id
) qk ON true;

-- CREATE OR REPLACE VIEW drops security_invoker: set it again (0030_tenancy.sql).
ALTER VIEW lector.latest_findings SET (security_invoker = true);
ALTER VIEW lector.contract_overview SET (security_invoker = true);
