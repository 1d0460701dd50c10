/**
 * The figures the sample must reproduce: section 一 of the bureau's 2024 report
 * (`/work/shared/seed/000_559e665f033afaeb.txt`, docs/domain.md "Target figures"), keyed by the field ids
 * of the T1 and B1 forms.
 */

/** Townships' whole-year totals (T1), except 联合执法检查, which the seed picks (see {@link jointInspectionRange}). */
export const townshipTargets = {
  units_inspected: 7982,
  hazards_found: 9829,
  hazards_rectified: 9062,
  empowered_general_cases: 80,
  empowered_simple_cases: 200,
  entrusted_general_cases: 50,
  entrusted_simple_cases: 20,
  /** Head count at year end: the sum over townships of each one's latest value. */
  fire_staff: 34,
} as const;

/** The report says 联合执法检查 "300 余次"; the sample picks an exact number in this range. */
export const jointInspectionRange = { min: 301, max: 399 } as const;

/** The bureau's whole-year totals (B1, summed over its units). */
export const bureauTargets = {
  officers_deployed: 9858,
  inspections: 4929,
  hazards_found: 2838,
  hazards_rectified: 2792,
  correction_notices: 2476,
  major_hazard_notices: 7,
  major_hazards_rectified: 6,
  complaints_handled: 1283,
  licences: 619,
  penalties: 521,
  three_stops: 36,
  seals: 4,
  fire_investigations_general: 18,
  fire_investigations_simple: 120,
  fire_investigations_minor: 346,
  case_transfers: 1,
  publicity_people: 100000,
  trainings: 4,
} as const;

/** Bureau units by the role the sample gives them (official names in the sample registry). */
export const bureauRoles = {
  /** Inspections, hazards, notices, 三停, 查封, 许可, complaints; sends the bureau's L2. */
  supervision: '防火监督科',
  /** Fire investigations and the case transfer. */
  investigation: '火灾调查科',
  /** Penalties and document-writing training; sends the bureau's L1 and every R1. */
  legal: '法制科',
  /** Publicity. */
  publicity: '宣传科',
} as const;

/** 出动执法人员 deployed by 火灾调查科 (the rest by 防火监督科). */
export const investigationOfficers = 1446;
