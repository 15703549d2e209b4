/**
 * Maven versions, ordered as Maven 3.8.7+/3.9's `ComparableVersion` orders them
 * (the POM reference's "version order specification").
 *
 * Parsing (case-insensitive): the string splits into items at `.` and `-` and at
 * every switch between digits and non-digits. A `-` (and a digit/letter switch)
 * opens a nested list, so `1.0-beta-2` is `[1, 0, [beta, [2]]]`; since Maven 3.8.7
 * (MNG-7644) a qualifier written after a dot opens a list too, so `1.0.RC1` reads
 * like `1.0-RC1`. An empty item reads as 0. Trailing "null" items (0, the empty
 * qualifier and its aliases `ga`, `final`, `release`) are dropped from each list,
 * so `1 = 1.0 = 1.0.0 = 1-ga = 1.final`.
 *
 * Ordering: numbers compare as numbers (any length); known qualifiers order
 * `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`,
 * then unknown qualifiers in lexical order; `a`, `b` and `m` directly followed by a
 * digit mean alpha, beta, milestone. Between kinds: number > list > qualifier, so
 * `1.1 > 1-1 > 1-sp`; a missing item counts as "null", so `1-alpha < 1 < 1-sp` and
 * `1 < 1.1`.
 *
 * Maven compares any string. We reject what no repository version contains: the
 * empty string, whitespace, control or non-ASCII characters (Maven would lowercase
 * and digit-test those by Unicode rules).
 */
import { MAX_VERSION_LENGTH, compareCanonicalDigits, compareStrings, defineScheme, isAsciiDigit, isPrintableAsciiNoSpace, stripLeadingZeros } from './scheme.js';

const enum ItemKind {
  Number = 0,
  Qualifier = 1,
  List = 2,
}

interface NumberItem {
  readonly kind: ItemKind.Number;
  /** Canonical digits (no leading zeros). */
  readonly digits: string;
}
interface QualifierItem {
  readonly kind: ItemKind.Qualifier;
  /** Index in QUALIFIER_ORDER, or UNKNOWN_QUALIFIER. */
  readonly rank: number;
  /** The qualifier text (lowercase, aliases resolved); compared among unknown qualifiers. */
  readonly word: string;
}
interface ListItem {
  readonly kind: ItemKind.List;
  readonly items: Item[];
}
type Item = NumberItem | QualifierItem | ListItem;

const QUALIFIER_ORDER = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_RANK = 5;
const UNKNOWN_QUALIFIER = QUALIFIER_ORDER.length;
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
const SHORT_BEFORE_DIGIT: Readonly<Record<string, string>> = { a: 'alpha', b: 'beta', m: 'milestone' };

export interface MavenVersion {
  readonly items: readonly Item[];
}

function numberItem(text: string): NumberItem {
  return { kind: ItemKind.Number, digits: text.length === 0 ? '0' : stripLeadingZeros(text) };
}

function qualifierItem(text: string, followedByDigit: boolean): QualifierItem {
  let word = text;
  if (followedByDigit && Object.hasOwn(SHORT_BEFORE_DIGIT, word)) word = SHORT_BEFORE_DIGIT[word] as string;
  if (Object.hasOwn(ALIASES, word)) word = ALIASES[word] as string;
  const known = QUALIFIER_ORDER.indexOf(word);
  return { kind: ItemKind.Qualifier, rank: known >= 0 ? known : UNKNOWN_QUALIFIER, word };
}

function isNullItem(item: Item): boolean {
  switch (item.kind) {
    case ItemKind.Number:
      return item.digits === '0';
    case ItemKind.Qualifier:
      return item.rank === RELEASE_RANK;
    case ItemKind.List:
      return item.items.length === 0;
  }
}

/** Drops trailing null items, looking through (but keeping) non-null nested lists. */
function normalize(list: ListItem): void {
  for (let i = list.items.length - 1; i >= 0; i--) {
    const item = list.items[i] as Item;
    if (isNullItem(item)) list.items.splice(i, 1);
    else if (item.kind !== ItemKind.List) break;
  }
}

export function parseMavenVersion(input: string): MavenVersion | undefined {
  // The length cap also bounds list nesting, and so the recursion in compareItems.
  if (input.length === 0 || input.length > MAX_VERSION_LENGTH || !isPrintableAsciiNoSpace(input)) return undefined;
  const v = input.toLowerCase();
  const root: ListItem = { kind: ItemKind.List, items: [] };
  let list = root;
  const opened: ListItem[] = [root];
  const openList = (): void => {
    const sub: ListItem = { kind: ItemKind.List, items: [] };
    list.items.push(sub);
    list = sub;
    opened.push(sub);
  };
  const item = (digits: boolean, text: string): Item => (digits ? numberItem(text) : qualifierItem(text, false));

  let inDigits = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x2e /* . */ || c === 0x2d /* - */) {
      list.items.push(i === start ? numberItem('') : item(inDigits, v.slice(start, i)));
      start = i + 1;
      if (c === 0x2d) openList();
    } else if (isAsciiDigit(c)) {
      if (!inDigits && i > start) {
        // Letters then a digit: `1.0.rc1` and `1.0-rc1` both read as a nested `rc, [1]`.
        if (list.items.length > 0) openList();
        list.items.push(qualifierItem(v.slice(start, i), true));
        start = i;
        openList();
      }
      inDigits = true;
    } else {
      if (inDigits && i > start) {
        list.items.push(numberItem(v.slice(start, i)));
        start = i;
        openList();
      }
      inDigits = false;
    }
  }
  if (v.length > start) {
    if (!inDigits && list.items.length > 0) openList();
    list.items.push(item(inDigits, v.slice(start)));
  }
  // Innermost lists first, as Maven pops its stack.
  for (let i = opened.length - 1; i >= 0; i--) normalize(opened[i] as ListItem);
  return { items: root.items };
}

/** How `item` compares with a missing item on the other side. */
function compareWithMissing(item: Item): number {
  switch (item.kind) {
    case ItemKind.Number:
      return item.digits === '0' ? 0 : 1;
    case ItemKind.Qualifier:
      return Math.sign(item.rank - RELEASE_RANK);
    case ItemKind.List:
      for (const inner of item.items) {
        const r = compareWithMissing(inner);
        if (r !== 0) return r;
      }
      return 0;
  }
}

function compareItems(a: Item, b: Item): number {
  if (a.kind !== b.kind) {
    // number > list > qualifier
    const order = (k: ItemKind): number => (k === ItemKind.Number ? 2 : k === ItemKind.List ? 1 : 0);
    return order(a.kind) > order(b.kind) ? 1 : -1;
  }
  switch (a.kind) {
    case ItemKind.Number:
      return compareCanonicalDigits(a.digits, (b as NumberItem).digits);
    case ItemKind.Qualifier: {
      const q = b as QualifierItem;
      if (a.rank !== q.rank) return a.rank < q.rank ? -1 : 1;
      return a.rank === UNKNOWN_QUALIFIER ? compareStrings(a.word, q.word) : 0;
    }
    case ItemKind.List:
      return compareLists(a.items, (b as ListItem).items);
  }
}

function compareLists(a: readonly Item[], b: readonly Item[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const r = x === undefined ? (y === undefined ? 0 : -compareWithMissing(y)) : y === undefined ? compareWithMissing(x) : compareItems(x, y);
    if (r !== 0) return r;
  }
  return 0;
}

export function compareMavenVersions(a: MavenVersion, b: MavenVersion): number {
  return compareLists(a.items, b.items);
}

export const mavenScheme = defineScheme<MavenVersion>({
  id: 'maven',
  displayName: 'Maven',
  osvEcosystems: ['Maven'],
  parse: parseMavenVersion,
  compareParsed: compareMavenVersions,
});
