-- Page images at screen width with their words (issue 20): the review desk shows a document's page with
-- the quote's word boxes highlighted. Rendered on demand from the stored PDF in the isolated extraction
-- child, then kept here, so a page is rendered once per width. Widths are a few fixed steps
-- (PageRenderStore.widths), which bounds the cache at a few images per page; rows go with their
-- document.
CREATE TABLE lector.page_renders (
    document_id  bigint NOT NULL REFERENCES lector.documents (id) ON DELETE CASCADE,
    page         integer NOT NULL CHECK (page >= 1),
    -- The width step asked for, in pixels; the image may be narrower (300 dpi, the pixel limit).
    width        integer NOT NULL CHECK (width BETWEEN 1 AND 10000),
    tenant       text NOT NULL,
    mime_type    text NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg')),
    image        bytea NOT NULL,
    width_px     integer NOT NULL CHECK (width_px >= 1),
    height_px    integer NOT NULL CHECK (height_px >= 1),
    -- The page's size in PDF points, the space of the word boxes (top-left origin, rotation applied).
    width_pt     double precision NOT NULL CHECK (width_pt > 0),
    height_pt    double precision NOT NULL CHECK (height_pt > 0),
    -- [{"text", "x1", "y1", "x2", "y2"}, ...] in reading order.
    words        jsonb NOT NULL CHECK (jsonb_typeof(words) = 'array'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, page, width)
);
ALTER TABLE lector.page_renders ALTER COLUMN image SET STORAGE EXTERNAL;  -- PNG and JPEG are compressed

-- Row-level security as 0080_tenancy_deny.sql, for the service only: readers query findings and pages,
-- not cached pictures, so no reader policy (a reader sees no row).
ALTER TABLE lector.page_renders ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.page_renders AS PERMISSIVE FOR ALL TO PUBLIC
    USING ((SELECT lector.current_role_is_service())) WITH CHECK ((SELECT lector.current_role_is_service()));
