-- A broadcast's template values beyond the positional body: header text
-- or media, named body parameters, button parameters (expressions, as
-- the body's), as JSON.
ALTER TABLE broadcasts ADD COLUMN template_args TEXT NOT NULL DEFAULT '{}';
