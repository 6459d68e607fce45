// A local osls plugin (serverless.yml `plugins`, after serverless-iam-roles-per-function): roles hold only what the
// deployed config uses. Every function runs with its own role, so the framework's default role (which it fills with the
// SQS event sources' rights) is attached to nothing and is removed; and the statements serverless.yml marks with a Sid
// are removed from every role where the config (deploy/stack-config.cjs) does not use them:
//   OrganizationMembers   sts:AssumeRole of the members' reader role   only with `organization`
//   OrganizationDiscovery organizations:ListAccounts, …                 only with `organization.discover`
//   NoticeWebhook         ssm:GetParameter of the webhook URL          only with `notice.webhookParameter`
//   NoticeWebhookKey      kms:Decrypt of its customer-managed key      only with `notice.webhookKmsKeyArn`
//   AlarmTopicKey         kms:GenerateDataKey/Decrypt of the topic key only with `stack.alarmEncryption`
// (osls validates iamRoleStatements strictly, so CloudFormation conditions cannot do it there.)
class TrimRoles {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.trim() };
  }

  trim() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const { IamRoleLambdaExecution: role, ...others } = resources;
    if (role && !JSON.stringify(others).includes('"IamRoleLambdaExecution"')) delete resources.IamRoleLambdaExecution;
    const stack = this.serverless.service.custom.stack;
    const unused = new Set([
      ...(stack.organization === 'true' ? [] : ['OrganizationMembers', 'OrganizationDiscovery']),
      ...(stack.discover === 'true' ? [] : ['OrganizationDiscovery']),
      ...(stack.webhook === 'true' ? [] : ['NoticeWebhook']),
      ...(stack.webhookKms === 'true' ? [] : ['NoticeWebhookKey']),
      ...(stack.alarmEncryption === 'true' ? [] : ['AlarmTopicKey']),
    ]);
    // The alarm topic's own key exists only with stack.alarmEncryption.
    if (stack.alarmEncryption !== 'true') {
      // serverless.yml's own resources are merged into the compiled template after this hook: trimmed at their source.
      for (const set of [resources, this.serverless.service.resources?.Resources ?? {}]) {
        delete set.AlarmTopicKey;
        if (set.AlarmTopic?.Properties) delete set.AlarmTopic.Properties.KmsMasterKeyId;
      }
    }
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      for (const policy of resource.Properties.Policies ?? []) {
        policy.PolicyDocument.Statement = policy.PolicyDocument.Statement.filter((s) => !unused.has(s.Sid));
      }
    }
  }
}

module.exports = TrimRoles;
