// The config the deployed stack runs with, for serverless.yml (`custom.stack: ${file(./deploy/stack-config.cjs)}`):
// the same file the CLI reads (`--param config=FILE`, YAML or JSON), validated by the CLI's own validator
// (`ecr-ledger config check`), so that a misspelt key stops `osls package` / `osls deploy` with the CLI's message
// (file, key, line) instead of failing in Lambda at 03:00. The roles derive from it: the reader role members carry
// (organization.roleName) and the advance notice's webhook parameter (notice.webhookParameter).
// `--param retentionConfig=JSON` is the deprecated one-line form, validated the same way.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { parse } = require('yaml');

const root = resolve(__dirname, '..');
const EXAMPLE = 'arn:aws:ecr:us-east-1:123456789012:repository/team-a/*';

/** Runs `ecr-ledger config check FILE`: the built CLI if there is one, else the sources through tsx. */
function check(file) {
  const built = existsSync(join(root, 'dist', 'ecr-ledger.mjs'));
  const args = built ? [join(root, 'bin', 'ecr-ledger')] : ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
  try {
    execFileSync(process.execPath, [...args, 'config', 'check', file, '--quiet'], { cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  } catch (error) {
    const said = String(error.stderr ?? '').trim().split('\n').filter((l) => !/NodeVersionSupportWarning|node >=22|upgrade to node|a\.co\/|trace-warnings|^$|versions published|To continue receiving/.test(l));
    throw new Error(`the stack's config is not valid: ${said.join(' ') || error.message}`);
  }
}

/**
 * The statement that lets the central functions assume the members' reader role: in the accounts the config lists,
 * or (members discovered) in any account of the organisation (`aws:ResourceOrgID`). A discovering config without the
 * organisation's id cannot be limited, and is refused. Outside an organisation it is removed (trim-roles.cjs).
 */
function readMembers(organization, roleName, organizationId) {
  const statement = { Sid: 'OrganizationMembers', Effect: 'Allow', Action: ['sts:AssumeRole'] };
  const role = (account) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/${roleName}` });
  if (organization && Array.isArray(organization.accounts)) return { ...statement, Resource: organization.accounts.map((a) => role(String(a.id))) };
  if (organization) {
    if (!organizationId) throw new Error('organization.discover needs the organisation\'s id (organization.id in the config, or --param organizationId=o-…): the central roles may assume the reader role only in its accounts');
    return { ...statement, Resource: role('*'), Condition: { StringEquals: { 'aws:ResourceOrgID': organizationId } } };
  }
  return { ...statement, Resource: role('*') };
}

module.exports = async ({ resolveVariable }) => {
  const param = async (name) => {
    try {
      return await resolveVariable(`param:${name}`);
    } catch (error) {
      // Not resolvable yet (osls resolves in passes, and calls this again): let it retry.
      if (error && error.code === 'MISSING_VARIABLE_DEPENDENCY') throw error;
      return undefined;
    }
  };
  const managedRepositories = await param('managedRepositories');
  if (!managedRepositories) throw new Error(`the stage parameter managedRepositories is required (the repositories the sweep may delete from), e.g. --param="managedRepositories=${EXAMPLE}"`);
  let file = await param('config');
  const legacy = await param('retentionConfig');
  if (file === undefined && legacy !== undefined && legacy !== '{}') {
    // The deprecated one-line JSON: checked as a file, as the CLI would read it.
    file = join(mkdtempSync(join(tmpdir(), 'ecr-ledger-config-')), 'retentionConfig.json');
    writeFileSync(file, legacy);
  }
  let raw = {};
  if (file !== undefined) {
    check(file);
    const path = resolve(process.cwd(), file);
    raw = parse(require('node:fs').readFileSync(path, 'utf8')) ?? {};
  }
  const notice = raw.notice ?? {};
  const roleName = raw.organization?.roleName ?? 'ecr-ledger-reader';
  const organizationId = raw.organization?.id ?? (await param('organizationId')) ?? '';
  return {
    // sts:AssumeRole of the members' reader role, limited to the members: the listed accounts, or the organisation.
    readMembers: readMembers(raw.organization, roleName, organizationId),
    // As written (defaults are filled in by the functions): Lambda environment variables are limited to 4 KB.
    json: JSON.stringify(raw),
    roleName,
    // The SSM parameter the webhook URL is read from, or none (a parameter no one may read).
    webhookParameter: notice.webhookParameter === undefined ? '/ecr-ledger/no-webhook' : notice.webhookParameter.startsWith('/') ? notice.webhookParameter : `/${notice.webhookParameter}`,
    managedRepositories,
    // Which grants the roles need (serverless.yml's conditions): members, discovery, the webhook.
    organization: raw.organization ? 'true' : 'false',
    discover: raw.organization?.discover === true ? 'true' : 'false',
    webhook: notice.webhookParameter === undefined ? 'false' : 'true',
  };
};
