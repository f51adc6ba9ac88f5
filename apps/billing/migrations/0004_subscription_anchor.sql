-- The day of month a subscription's periods are anchored on. Each renewal used to start from the
-- previous period's end, so a period clamped to a short month moved the subscription for good
-- (Jan 31 → Feb 28 → Mar 28); now every period end is the anchor day, clamped only in months that
-- lack it (Jan 31 → Feb 28 → Mar 31).
--
-- NULL until the first paid period starts (a trial's first period starts when it ends): the next
-- renewal then anchors on the day its period starts. Existing subscriptions are left NULL too, so
-- they keep their current day from the next renewal on.
ALTER TABLE subscriptions
  ADD COLUMN anchor_day smallint CHECK (anchor_day BETWEEN 1 AND 31);
