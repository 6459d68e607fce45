import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';

/** CloudFormation's short-form tags, read as their long form (`!Sub x` → `{ 'Fn::Sub': x }`). */
const cfnTags: Tags = ['Ref', 'Sub', 'GetAtt', 'Join', 'Split', 'Equals', 'If', 'Not', 'Select'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  const tag = `!${name}`;
  return [
    { tag, resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }) },
    { tag, collection: 'seq' as const, resolve: (value: unknown) => ({ [key]: (value as { toJSON(): unknown }).toJSON() }) },
  ];
});

/** A CloudFormation template written in YAML (deploy/member-account.yml), short-form tags in their long form. */
export function readCfnYaml<T>(file: string): T {
  return parse(readFileSync(file, 'utf8'), { customTags: cfnTags }) as T;
}
