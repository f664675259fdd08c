// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaselineLedger} from "./BaselineLedger.sol";

/**
 * @title EventOnlyLedger
 * @author Kho bench
 * @notice Reference row for UsageLedger.submitBatch (bench `gas`, never deployed): an authorized relayer
 * emits the batch and nothing is stored. Logs can be checked off-chain only: no contract (FeeEscrow,
 * `verifyReceipt`) can tell later that a batch was committed.
 */
contract EventOnlyLedger is BaselineLedger {
    /// @param relayer The one key allowed to submit.
    constructor(address relayer) BaselineLedger(relayer) {}

    /// @dev Nothing: the event is the only record.
    function _store(uint64, bytes32) internal override {}
}
