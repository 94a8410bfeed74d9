/**
 * @module
 * The one recipe for a sighting: a row per (token, sender, url, source, type), whose id is an HMAC-SHA-256 of those
 * five under a key derived from the newest key of SEALING_KEYS. Repeated sightings from one sender count on one row
 * while its details exist, and the sender is part of the identity, so the same URL from GitHub and then deps.dev is two
 * sightings, each with its sender.
 *
 * Keyed, because a plain hash of the details would let anyone holding a copy of D1 confirm a candidate URL. Erasure
 * goes further and replaces the id with a random one (repository `eraseSightingDetails`), so not even the keyring ties
 * an erased row to its details; the same details seen again then start a new row, which is the point. A rotation of
 * SEALING_KEYS also starts new rows for details seen before it: ids are never re-keyed, and a split count is harmless.
 */
import { toHex } from "../lib/encoding";
import type { NewSighting } from "./incident";

const encoder = new TextEncoder();
/** HKDF `info`: this use of a keyring key, kept apart from sealing (src/lib/seal.ts). */
const SIGHTING_ID_INFO = "autorevoke/sighting-id/v1";

/** What a sender reported about one place a token was seen. */
export interface SightingDetails {
  url: string;
  source: string;
  /** The sender's type for the match, as sent; recorded lowercased. */
  type: string;
}

/** Builds the sighting row for `tokenHash` seen by `sender`. */
export type MakeSighting = (
  tokenHash: string,
  sender: string,
  details: SightingDetails,
) => Promise<NewSighting>;

/** The sighting recipe under `key`, a keyring key (32 bytes); the HMAC key is derived once, on first use. */
export function createSightingMaker(key: Uint8Array): MakeSighting {
  const hmacKey = (async () => {
    const base = await crypto.subtle.importKey("raw", key, "HKDF", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: encoder.encode("autorevoke"),
        info: encoder.encode(SIGHTING_ID_INFO),
      },
      base,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign"],
    );
  })();

  return async (tokenHash, sender, { url, source, type }) => {
    const lowerType = type.toLowerCase();
    // JSON keeps the parts apart: no choice of url or source can shift text into its neighbour.
    const identity = JSON.stringify([tokenHash, sender, url, source, lowerType]);
    const mac = await crypto.subtle.sign("HMAC", await hmacKey, encoder.encode(identity));
    return { sightingId: toHex(mac), tokenHash, url, source, type: lowerType };
  };
}
