/**
 * An ECR lifecycle policy read as ECR documents it (lifecycle_policy_parameters): what each rule selects and does.
 * Fields ECR does not document are reported as problems, never given a guessed meaning.
 */

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description?: string;
  readonly tagStatus: TagStatus;
  readonly tagPrefixList: readonly string[];
  readonly tagPatternList: readonly string[];
  readonly countType: CountType;
  readonly countNumber: number;
  /** The storage class the rule looks at: `standard` (active images, the default) or `archive`. */
  readonly storageClass: 'standard' | 'archive';
  /** `expire` deletes; `transition` moves to the archive storage class (an archived image cannot be pulled). */
  readonly action: 'expire' | 'transition';
}

export interface LifecyclePolicy {
  readonly rules: readonly LifecycleRule[];
  /** What could not be read as documented: unknown fields, missing or invalid values (each names the rule). */
  readonly problems: readonly string[];
}

const RULE_FIELDS = new Set(['rulePriority', 'description', 'selection', 'action']);
const SELECTION_FIELDS = new Set(['tagStatus', 'tagPrefixList', 'tagPatternList', 'countType', 'countUnit', 'countNumber', 'storageClass']);
const ACTION_FIELDS = new Set(['type', 'targetStorageClass']);
const COUNT_TYPES: ReadonlySet<string> = new Set(['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] | undefined => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined);

function unknownFields(where: string, value: Record<string, unknown>, known: ReadonlySet<string>, problems: string[]): void {
  for (const key of Object.keys(value)) if (!known.has(key)) problems.push(`${where}: unknown field "${key}" (not evaluated)`);
}

function readRule(raw: unknown, index: number, problems: string[]): LifecycleRule | undefined {
  const at = `rules[${index}]`;
  if (!isObject(raw)) return void problems.push(`${at}: not an object`);
  const name = typeof raw.rulePriority === 'number' ? `rule ${raw.rulePriority}` : at;
  unknownFields(name, raw, RULE_FIELDS, problems);
  const selection = isObject(raw.selection) ? raw.selection : {};
  const action = isObject(raw.action) ? raw.action : {};
  unknownFields(`${name} selection`, selection, SELECTION_FIELDS, problems);
  unknownFields(`${name} action`, action, ACTION_FIELDS, problems);
  const fail = (what: string) => void problems.push(`${name}: ${what}; the rule is not evaluated`);
  if (typeof raw.rulePriority !== 'number' || !Number.isInteger(raw.rulePriority)) return fail('rulePriority is missing or not an integer');
  const tagStatus = selection.tagStatus;
  if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') return fail(`selection.tagStatus ${JSON.stringify(tagStatus)} is not tagged, untagged or any`);
  const countType = selection.countType;
  if (typeof countType !== 'string' || !COUNT_TYPES.has(countType)) return fail(`selection.countType ${JSON.stringify(countType)} is not one ECR documents`);
  const countNumber = selection.countNumber;
  if (typeof countNumber !== 'number' || !Number.isInteger(countNumber) || countNumber < 1) return fail('selection.countNumber is missing or not a positive integer');
  if (countType !== 'imageCountMoreThan' && selection.countUnit !== 'days') return fail(`${countType} needs selection.countUnit "days"`);
  const tagPrefixList = strings(selection.tagPrefixList ?? []);
  const tagPatternList = strings(selection.tagPatternList ?? []);
  if (!tagPrefixList || !tagPatternList) return fail('tagPrefixList and tagPatternList must be lists of strings');
  if (tagStatus === 'tagged' && tagPrefixList.length + tagPatternList.length === 0) return fail('a tagged rule needs tagPrefixList or tagPatternList');
  const storageClass = selection.storageClass ?? 'standard';
  if (storageClass !== 'standard' && storageClass !== 'archive') return fail(`selection.storageClass ${JSON.stringify(storageClass)} is not standard or archive`);
  const type = action.type;
  if (type !== 'expire' && type !== 'transition') return fail(`action.type ${JSON.stringify(type)} is not expire or transition`);
  return {
    rulePriority: raw.rulePriority, ...(typeof raw.description === 'string' && { description: raw.description }),
    tagStatus, tagPrefixList, tagPatternList, countType: countType as CountType, countNumber, storageClass, action: type,
  };
}

/** Reads a lifecycle policy's text (GetLifecyclePolicy's `lifecyclePolicyText`). */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { rules: [], problems: [`the policy is not JSON (${(error as Error).message})`] };
  }
  if (!isObject(document) || !Array.isArray(document.rules)) return { rules: [], problems: ['the policy has no "rules" list'] };
  const problems: string[] = [];
  unknownFields('policy', document, new Set(['rules']), problems);
  const rules = document.rules.map((raw, i) => readRule(raw, i, problems)).filter((r): r is LifecycleRule => r !== undefined);
  const priorities = rules.map((r) => r.rulePriority);
  for (const p of new Set(priorities)) if (priorities.filter((q) => q === p).length > 1) problems.push(`rulePriority ${p} is used by more than one rule (ECR requires unique priorities)`);
  const highest = Math.max(...priorities);
  for (const rule of rules) if (rule.tagStatus === 'any' && rule.rulePriority !== highest) problems.push(`rule ${rule.rulePriority}: a tagStatus "any" rule must have the highest rulePriority (evaluated last here, as ECR does)`);
  return { rules, problems };
}
