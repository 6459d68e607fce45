/**
 * The reviewed list of grants no function's code exercises, each with why the role needs it anyway. A grant the
 * deployed-stack test sees no call use fails that test unless it matches an entry here (`function action resource`).
 */
export const UNEXERCISED_GRANTS: ReadonlyArray<{ readonly matches: RegExp; readonly reason: string }> = [
  { matches: /^\S+ logs:(CreateLogGroup|CreateLogStream|PutLogEvents) /, reason: 'Lambda writes the function\'s logs with its role' },
];
