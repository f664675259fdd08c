// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaselineLedger} from "./BaselineLedger.sol";

/**
 * @title RootOnlyLedger
 * @author Kho bench
 * @notice Gas baseline for UsageLedger.submitBatch (bench `gas`, never deployed): the least a ledger can
 * do and still let a contract check a batch later. It checks the caller is an authorized relayer,
 * stores the batch root in one new slot and emits the same event as Kho's ledger. No batch id order,
 * no epoch window, no argument checks.
 */
contract RootOnlyLedger is BaselineLedger {
    /// @notice Each relayer's batch roots by id; written by submitBatch.
    mapping(address relayer => mapping(uint64 batchId => bytes32 root)) public roots;

    /// @param relayer The one key allowed to submit.
    constructor(address relayer) BaselineLedger(relayer) {}

    /// @dev One new slot: the root under the relayer and batch id.
    function _store(uint64 batchId, bytes32 root) internal override {
        roots[msg.sender][batchId] = root;
    }
}
