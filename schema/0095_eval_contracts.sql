-- Evaluation runs that can be compared with the literature and with each other (issue 19): each
-- contract's outcomes per category (what `lector eval compare` aligns and resamples, and what the
-- curve figures are summed from), how the contracts were chosen, and the quote limits the share of
-- unreachable labelled spans was measured against. Runs stored before have none of these.

ALTER TABLE lector.eval_runs
    -- [{"file", "failed", "outcomes": {category: {"labelled", "predicted", "confidence", "spans",
    -- "reachable", "matched", "predictions", "unmatched", "quotes", ...}}}]; a category neither labelled
    -- nor found in a contract is left out of its outcomes.
    ADD COLUMN contracts jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(contracts) = 'array'),
    -- {"split", "split_contracts", "sample", "seed", "available", "chosen"}.
    ADD COLUMN selection jsonb CHECK (selection IS NULL OR jsonb_typeof(selection) = 'object'),
    -- The profile's limits: most quotes per finding, longest quote in characters.
    ADD COLUMN max_quotes integer CHECK (max_quotes >= 1),
    ADD COLUMN max_quote_length integer CHECK (max_quote_length >= 1);
