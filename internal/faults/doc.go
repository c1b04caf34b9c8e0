// Package faults holds botgate's fault-injection tests: real botgates on
// real databases, with Graph, merchant endpoints and the database behind
// in-process toxiproxy proxies that add latency, resets, stalls and cuts on
// real TCP. Each test counts what happened to every accepted request.
// docs/operations.md ("Failures and what botgate does") reports them.
package faults
