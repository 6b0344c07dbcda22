// Placeholder: replaced by the throwaway-PostgreSQL harness.
export default function setup(): void {}
