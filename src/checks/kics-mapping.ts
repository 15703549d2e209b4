/** How a peer tool's check (a KICS query) relates to one of our rules. */
export interface KicsMapping {
  rule: string;
  /** One line: what both mean. */
  why: string;
  /** Peer test files whose verdict our rule deliberately does not share, with the reason. */
  notOurs?: Record<string, string>;
  /**
   * KICS result lines (`positive1.yaml:13`) our rule deliberately reports on another
   * line, with the reason (KICS points at a parent key, we at the offending entry).
   * Every other KICS line of a positive file must carry one of our findings.
   */
  otherLines?: Record<string, string>;
}
