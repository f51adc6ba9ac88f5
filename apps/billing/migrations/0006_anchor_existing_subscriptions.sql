-- Anchor days (0004) for the subscriptions that were paying before it. Left NULL, the next renewal
-- anchored one on the day its current period ends, so a subscription in a period clamped to a
-- short month at upgrade time (Jan 31 → Feb 28) moved to the 28th for good: the drift 0004 ends.
-- A paid period starts on the anchor day wherever its month has it, so its start day is the
-- anchor. Trials stay NULL: their first paid period starts when they end, and anchors there.
UPDATE subscriptions
   SET anchor_day = extract(day FROM current_period_start AT TIME ZONE 'UTC')
 WHERE anchor_day IS NULL AND status = 'active';
