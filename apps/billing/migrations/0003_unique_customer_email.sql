-- One customer per email address, compared case-insensitively. Onboarding looked the email up and
-- then inserted, so two concurrent calls could both create a customer; a unique index cannot be
-- raced. It serves the same lookups as the plain index from 0001, which it replaces.
--
-- A database that already holds two customers with one email cannot take the index: stop with the
-- ids to fix rather than with a bare duplicate-key error.
DO $$
DECLARE
  shared record;
BEGIN
  SELECT lower(email) AS email, string_agg(id, ', ' ORDER BY id) AS ids
    INTO shared
    FROM customers
   WHERE email IS NOT NULL
   GROUP BY lower(email)
  HAVING count(*) > 1
   ORDER BY lower(email)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'customers % share the email %, so emails cannot be made unique', shared.ids, shared.email
      USING ERRCODE = 'unique_violation',
            HINT = 'List every shared email with SELECT lower(email), array_agg(id) FROM customers '
                   'WHERE email IS NOT NULL GROUP BY 1 HAVING count(*) > 1; give all but one customer of '
                   'each a different email (or NULL), then start the server again.';
  END IF;
END
$$;

CREATE UNIQUE INDEX customers_email_unique ON customers (lower(email)) WHERE email IS NOT NULL;
DROP INDEX customers_email;
