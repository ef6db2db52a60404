// The older kubernetes-models release ships .d.ts files that resolve against its own dependency
// versions; the tests only need the validating constructor.
declare module "kubernetes-models-v3/policy/v1beta1" {
  export class PodSecurityPolicy {
    constructor(data: unknown);
    validate(): void;
  }
}
