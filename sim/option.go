package sim

// Option is an option of New: WithRaftOptions, for tools (not in the
// page's engine, which is built with the seshat_engine tag).
type Option func(*toolOptions)
