/** What time it is for a deciding path: always injected, so a test (or a rehearsal) pins it. */
export type Clock = () => Date;
