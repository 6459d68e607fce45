// A local osls plugin (serverless.yml `plugins`, after serverless-iam-roles-per-function): every function runs with
// its own role, so the framework's default role (IamRoleLambdaExecution, which it fills with the SQS event sources'
// rights) is attached to nothing. A role nobody uses is a grant nobody reviews: it is removed from the template.
class DropDefaultRole {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.drop() };
  }

  drop() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const { IamRoleLambdaExecution: role, ...others } = resources;
    if (!role) return;
    if (JSON.stringify(others).includes('"IamRoleLambdaExecution"')) return;
    delete resources.IamRoleLambdaExecution;
  }
}

module.exports = DropDefaultRole;
