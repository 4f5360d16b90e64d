/** The reply kinds the load generator's scanners report (ASCII, meta and binary). */

/** `STORED` / `HD` (reply to a set). */
export const REPLY_STORED = 0;
/** A get that hit, with a payload of the expected size. */
export const REPLY_HIT = 1;
/** A get that missed (`END` alone, `EN`). */
export const REPLY_MISS = 2;
/** Anything else: SERVER_ERROR, CLIENT_ERROR, ERROR, wrong value size, unexpected line. */
export const REPLY_ERROR = 3;

/** Receives one reply kind (one of the `REPLY_*` constants). */
export type ReplyHandler = (kind: number) => void;
