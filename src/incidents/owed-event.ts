/**
 * @module
 * The SET clauses of a write that may make a notification owed (the outbox's `notify_*` columns). One place, because
 * three statements end incidents (leases' finish and give-up, and the confirmed revocation) and each must agree:
 * - with notifications off nothing is owed, so switching them on later sends no past event;
 * - a new event starts a new generation (its own event id) with a clean delivery record;
 * - a write that owes no new event leaves an older one as it was.
 */

/**
 * `newEvent` is an SQL expression: the event the write makes owed, or NULL for none. `notificationsOn` is fixed per
 * deployment, so it is written into the statement rather than bound.
 */
export function oweEventSql(newEvent: string, notificationsOn: boolean): string {
  if (!notificationsOn) return "notify_due = NULL";
  const fresh = `(${newEvent}) IS NOT NULL`;
  const resetIfFresh = (column: string, value: string) =>
    `${column} = CASE WHEN ${fresh} THEN ${value} ELSE ${column} END`;
  return [
    resetIfFresh("notify_due", newEvent),
    `notify_generation = notify_generation + CASE WHEN ${fresh} THEN 1 ELSE 0 END`,
    resetIfFresh("notify_queued_at", "NULL"),
    resetIfFresh("notify_attempts", "0"),
    resetIfFresh("notify_retry_at", "NULL"),
    resetIfFresh("notify_held_until", "NULL"),
  ].join(", ");
}
