/**
 * The ICANN Transfer Policy in force, as one switch. `icann-2016` is the policy of 2016;
 * `icann-revised` the revision the ICANN Board adopted in June 2026 (effective date not yet
 * set): 30-day locks after creation and after a transfer instead of 60, a Transfer
 * Authorization Code valid at most 14 days, and a notice to the registrant whenever a code is
 * issued. A profile only fills what the config leaves out: each setting can still be given.
 */
export const POLICY_PROFILES = {
  'icann-2016': { daysAfterRegistration: 60, daysAfterTransfer: 60, codeTtlHours: 720, codeIssuedNotice: false },
  'icann-revised': { daysAfterRegistration: 30, daysAfterTransfer: 30, codeTtlHours: 336, codeIssuedNotice: true },
} as const;

export type PolicyProfile = keyof typeof POLICY_PROFILES;

interface ProfiledConfig {
  policy: { profile: PolicyProfile; codeIssuedNotice?: boolean };
  eligibility: { daysAfterRegistration?: number; daysAfterTransfer?: number };
  transferOut: { codeTtlHours?: number };
}

/** Fills the settings a profile decides and the config left out, in place. */
export function applyPolicyProfile(config: ProfiledConfig): void {
  const profile = POLICY_PROFILES[config.policy.profile];
  config.eligibility.daysAfterRegistration ??= profile.daysAfterRegistration;
  config.eligibility.daysAfterTransfer ??= profile.daysAfterTransfer;
  config.transferOut.codeTtlHours ??= profile.codeTtlHours;
  config.policy.codeIssuedNotice ??= profile.codeIssuedNotice;
}
