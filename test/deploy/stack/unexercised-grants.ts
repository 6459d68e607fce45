/**
 * The reviewed list of grants no function's code exercises, each with why the role needs it anyway. A grant the
 * deployed-stack test sees no call use fails that test unless it matches an entry here (`function action resource`).
 */
export const UNEXERCISED_GRANTS: ReadonlyArray<{ readonly matches: RegExp; readonly reason: string }> = [
  { matches: /^\S+ logs:(CreateLogGroup|CreateLogStream|PutLogEvents) /, reason: 'Lambda writes the function\'s logs with its role' },
  { matches: /^(ecrEvents|ecsEvents|apiCallEvents|reconcile|sweep) sqs:SendMessage \$\{FailedEventsQueue\.Arn\}$/, reason: 'the function\'s on-failure destination: Lambda sends a failed invocation there with the function\'s role' },
  { matches: /^(reconcileScope sqs:(ReceiveMessage|DeleteMessage|GetQueueAttributes) \$\{ReconcileWorkQueue\.Arn\}|sweepContinue sqs:(ReceiveMessage|DeleteMessage|GetQueueAttributes) \$\{SweepContinueQueue\.Arn\})$/, reason: 'the SQS event source mapping polls, deletes and reads the queue\'s attributes with the function\'s role' },
  // Found when calls were credited per invocation (AsyncLocalStorage): the test's own reads of the audit trail had been
  // credited to the last function invoked, which made these look used. Not exercised by any scenario; kept, not proven.
  { matches: /^(ecrEvents|ecsEvents|apiCallEvents) dynamodb:Query \$\{LedgerTable\.Arn\}$/, reason: 'kept for restore on use: candidatesWithReferrers reads the ledger\'s watermarks (a Query of the WATERMARK partition) when other scopes may refer to an archived image, which no scenario reaches yet' },
];
