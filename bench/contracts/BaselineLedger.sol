// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title BaselineLedger
 * @author Kho bench
 * @notice What the reference ledgers of bench `gas` share (never deployed): UsageLedger.submitBatch's
 * arguments (so all pay the same calldata), its relayer check and its event (so all emit the same
 * bytes). A reference ledger says only what it stores, in `_store`.
 */
abstract contract BaselineLedger {
    /// @notice Keys allowed to submit; set once by the deployer.
    mapping(address relayer => bool allowed) public isRelayer;

    /// @notice The caller is not an authorized relayer.
    error NotRelayer(address account);

    /// @notice Same signature as IUsageLedger.BatchSubmitted.
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

    /// @notice Same arguments as UsageLedger.submitBatch: checks the caller, stores, emits.
    function submitBatch(
        uint64 epoch,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        string calldata dataURI,
        bytes32 dataHash
    ) external {
        if (!isRelayer[msg.sender]) revert NotRelayer(msg.sender);
        _store(batchId, root);
        emit BatchSubmitted(msg.sender, batchId, epoch, root, count, dataURI, dataHash);
    }

    /// @dev What the ledger keeps of a batch the caller (an authorized relayer) submits. The call costs
    /// 8 gas a batch over a write inlined in submitBatch (docs/benchmarks.md); a modifier cost more.
    function _store(uint64 batchId, bytes32 root) internal virtual;
}
