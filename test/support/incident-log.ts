/**
 * Every D1 store of the incident log over one database, for tests that set up or inspect state directly. The Worker
 * never builds this: src/wiring.ts hands each use case only the stores it needs.
 */
import { createIncidentIntake } from "../../src/incidents/intake";
import { createIncidentLeases } from "../../src/incidents/leases";
import { createNotificationOutbox } from "../../src/incidents/outbox";
import { createIncidentRetention } from "../../src/incidents/retention";
import { createIncidentSweeping } from "../../src/incidents/sweeping";

/** The verdict fingerprint test stores record under; the Worker's own differs, as a real change of configuration would. */
export const TEST_VERDICT_CONFIG = "v1:test:00000000000000000000000000000000";

/** The incident log's stores, merged. */
export function incidentLog(db: D1Database, verdictConfig = TEST_VERDICT_CONFIG) {
  return {
    ...createIncidentIntake(db, verdictConfig, { notificationsOn: true }),
    ...createIncidentLeases(db, { notificationsOn: true }),
    ...createNotificationOutbox(db),
    ...createIncidentSweeping(db),
    ...createIncidentRetention(db),
  };
}
