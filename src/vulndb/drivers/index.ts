/**
 * Every match driver, in one list: OS families first, then language ecosystems.
 * The first driver that answers a package handles it.
 */
import { alpineDriver } from './alpine.js';
import { debianDriver } from './debian.js';
import type { MatchDriver } from './driver.js';
import { languageDriver } from './language.js';
import { redhatFamilyDriver } from './redhat-family.js';
import { ubuntuDriver } from './ubuntu.js';

export const MATCH_DRIVERS: readonly MatchDriver[] = [debianDriver, ubuntuDriver, alpineDriver, redhatFamilyDriver, languageDriver];
