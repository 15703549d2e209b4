/** How a peer tool's check (a KICS query) relates to one of our rules. */
export interface KicsMapping {
  rule: string;
  /** One line: what both mean. */
  why: string;
  /** Peer test files whose verdict our rule deliberately does not share, with the reason. */
  notOurs?: Record<string, string>;
  /** Our rule points at the same field as the peer, so reported lines must agree. */
  sameField?: boolean;
}
