import { clerkProfiles } from './clerk-profiles.js';
import { bureauFiles } from './bureau-files.js';
import type { TownshipProfile } from './clerk-profiles.js';
import type { PlannedFile } from './planned-file.js';
import { chooseFilePlants, type FilePlants } from './planted-problems.js';
import type { Prng } from './prng.js';
import { townshipFiles } from './township-files.js';
import type { YearPlan } from './year-plan.js';

/** The planned inbox and the choices behind it. */
export interface InboxPlan {
  /** Every file, in order of arrival. */
  readonly files: readonly PlannedFile[];
  readonly plants: FilePlants;
  readonly profiles: readonly TownshipProfile[];
}

/**
 * Composes every file of the year: each township's T1, L1 and L2 every quarter; each bureau unit's
 * B1 every month (火灾调查科 as a quarterly workbook with a sheet per month); the bureau's L1 and L2
 * and 法制科's R1 every quarter; and the planted problems with their corrected resubmissions.
 */
export function planInbox(rng: Prng, plan: YearPlan): InboxPlan {
  const profiles = clerkProfiles(rng.fork('profiles'), plan.townships, plan.contacts);
  const plants = chooseFilePlants(rng.fork('plants/files'), profiles);
  const townships = new Map(plan.townships.map((t) => [t.name, t]));
  const files = [
    ...profiles.flatMap((p) => townshipFiles(rng.fork(`inbox/${p.unit.name}`), plan, plants, p, townships)),
    ...bureauFiles(rng.fork('inbox/bureau'), plan, townships),
  ];
  files.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.path < b.path ? -1 : 1));
  return { files, plants, profiles };
}
