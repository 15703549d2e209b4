/**
 * Which KICS Dockerfile queries mean the same as one of our rules (and the inputs where
 * our meaning deliberately differs), and why every other query is not mapped. One
 * table, read by checks/dockerfile/kics.test.ts and the conformance runner's kics suite.
 */
import type { KicsMapping } from '../kics-mapping.js';

const APT_CLEAN_ONLY = '`apt-get clean` empties /var/cache/apt/archives but leaves /var/lib/apt/lists; KICS accepts it, we do not';

export const KICS_DOCKERFILE_MAPPED: Record<string, KicsMapping> = {
  last_user_is_root: { rule: 'SK-DF-0001', why: 'final stage runs as root' },
  missing_user_instruction: {
    rule: 'SK-DF-0001',
    why: 'no USER means the final stage runs as root',
    notOurs: { 'negative.dockerfile': 'final stage FROM scratch without USER runs as UID 0; KICS exempts scratch, we do not' },
  },
  add_instead_of_copy: {
    rule: 'SK-DF-0002',
    why: 'ADD where COPY would do',
    notOurs: { 'negative.dockerfile': 'ADD of a URL without --checksum is unverified remote content (CIS 4.9); KICS leaves URLs to another query' },
  },
  image_version_using_latest: { rule: 'SK-DF-0003', why: 'base image tagged latest' },
  image_version_not_explicit: { rule: 'SK-DF-0003', why: 'base image without a tag means latest' },
  apt_get_install_lists_were_not_deleted: {
    rule: 'SK-DF-0006',
    why: 'apt lists left in the image',
    notOurs: { 'negative.dockerfile': APT_CLEAN_ONLY, 'negative2.dockerfile': APT_CLEAN_ONLY },
  },
  apk_add_using_local_cache_path: { rule: 'SK-DF-0006', why: 'apk cache left in the image' },
  pip_install_keeping_cached_packages: { rule: 'SK-DF-0006', why: 'pip cache left in the image' },
  healthcheck_instruction_missing: { rule: 'SK-DF-0009', why: 'no HEALTHCHECK in the final stage' },
  exposing_port_22: { rule: 'SK-DF-0010', why: 'EXPOSE 22' },
  run_using_sudo: { rule: 'SK-DF-0011', why: 'sudo in RUN' },
};

const STYLE = 'build style or reproducibility advice (pinning, flags, instruction layout); no security rule with this meaning';
export const KICS_DOCKERFILE_UNMAPPED: Record<string, string> = {
  apt_get_install_pin_version_not_defined: STYLE,
  apt_get_missing_flags_to_avoid_manual_input: STYLE,
  apt_get_not_avoiding_additional_packages: STYLE,
  changing_default_shell_using_run_command: STYLE,
  chown_flag_exists: 'COPY --chown is not a risk by itself; no rule',
  copy_from_references_current_from_alias: 'a build error, not a security setting',
  copy_with_more_than_two_arguments_not_ending_with_slash: 'a build error, not a security setting',
  curl_or_wget_instead_of_add: STYLE,
  gem_install_without_version: STYLE,
  maintainer_instruction_being_used: STYLE,
  missing_dnf_clean_all: 'dnf cache is not in SK-DF-0006 yet',
  missing_flag_from_dnf_install: STYLE,
  missing_version_specification_in_dnf_install: STYLE,
  missing_zypper_clean: 'zypper cache is not in SK-DF-0006 yet',
  missing_zypper_non_interactive_switch: STYLE,
  multiple_cmd_instructions_listed: STYLE,
  multiple_entrypoint_instructions_listed: STYLE,
  multiple_run_add_copy_instructions_listed: STYLE,
  not_using_json_in_cmd_and_entrypoint_arguments: STYLE,
  npm_install_without_pinned_version: STYLE,
  run_command_cd_instead_of_workdir: STYLE,
  run_using_apt: STYLE,
  run_using_wget_and_curl: STYLE,
  run_utilities_and_posix_commands: STYLE,
  same_alias_in_different_froms: 'a build error, not a security setting',
  shell_running_a_pipe_without_pipefail_flag: STYLE,
  unix_ports_out_of_range: 'a build error, not a security setting',
  unpinned_package_version_in_apk_add: STYLE,
  unpinned_package_version_in_pip_install: STYLE,
  update_instruction_alone: STYLE,
  using_platform_with_from: STYLE,
  using_unnamed_build_stages: STYLE,
  workdir_path_not_absolute: STYLE,
  yum_clean_all_missing: 'yum cache is not in SK-DF-0006 yet',
  yum_install_allows_manual_input: STYLE,
  yum_install_without_version: STYLE,
  zypper_install_without_version: STYLE,
};
