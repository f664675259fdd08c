// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title RootOnlyLedger
 * @author Kho bench
 * @notice Gas baseline for UsageLedger.submitBatch (bench `gas`, never deployed): the least a ledger can
 * do and still let a contract check a batch later. It checks the caller is an authorized relayer,
 * stores the batch root in one new slot and emits the same event as Kho's ledger. No batch id order,
 * no epoch window, no argument checks.
 */
contract RootOnlyLedger {
    /// @notice Keys allowed to submit; set once by the deployer.
    mapping(address relayer => bool allowed) public isRelayer;
    /// @notice Each relayer's batch roots by id; written by submitBatch.
    mapping(address relayer => mapping(uint64 batchId => bytes32 root)) public roots;

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
        roots[msg.sender][batchId] = root;
        emit BatchSubmitted(msg.sender, batchId, epoch, root, count, dataURI, dataHash);
    }
}
