// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title EventOnlyLedger
 * @author Kho bench
 * @notice Reference row for UsageLedger.submitBatch (bench `gas`, never deployed): an authorized relayer
 * emits the batch and nothing is stored. Logs can be checked off-chain only: no contract (FeeEscrow,
 * `verifyReceipt`) can tell later that a batch was committed.
 */
contract EventOnlyLedger {
    /// @notice Keys allowed to submit; set once by the deployer.
    mapping(address relayer => bool allowed) public isRelayer;

    /// @notice The caller is not an authorized relayer.
    error NotRelayer(address account);

    /// @notice Same signature as IUsageLedger.BatchSubmitted, so both emit the same bytes.
    event BatchSubmitted(
        address indexed relayer,
        uint64 indexed batchId,
        uint64 indexed epoch,
        bytes32 root,
        uint32 count,
        string dataURI,
        bytes32 dataHash
    );

    /// @param relayer The one key allowed to submit.
    constructor(address relayer) {
        isRelayer[relayer] = true;
    }

    /// @notice Same arguments as UsageLedger.submitBatch, so both pay the same calldata.
    function submitBatch(
        uint64 epoch,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        string calldata dataURI,
        bytes32 dataHash
    ) external {
        if (!isRelayer[msg.sender]) revert NotRelayer(msg.sender);
        emit BatchSubmitted(msg.sender, batchId, epoch, root, count, dataURI, dataHash);
    }
}
