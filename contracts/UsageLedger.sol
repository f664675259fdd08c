// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IUsageLedger} from "./interfaces/IUsageLedger.sol";

/**
 * @title UsageLedger
 * @author Kho
 * @notice Records relayer batches of signed inference receipts and keeps Kho's epoch clock.
 * @dev Receipts themselves never touch the chain: a batch costs one new storage slot (the hash of its
 * header: epoch, root, count, data hash) whatever its size, and anyone can check a receipt against it
 * with `verifyReceipt`. Totals (batches, receipts per epoch) are folds of `BatchSubmitted`, not storage.
 * A revoked relayer's earlier batches stay valid: they were authorized when committed.
 * DEFAULT_ADMIN_ROLE follows OpenZeppelin's AccessControlDefaultAdminRules: one admin, handed over in two
 * steps and never left empty by accident, so a leaked relayer key can always be revoked.
 */
contract UsageLedger is IUsageLedger, AccessControlDefaultAdminRules, EIP712 {
    /// @notice Role of the keys that sign receipts and submit batches.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice keccak256 of the InferenceReceipt EIP-712 type string (docs/protocol.md).
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "InferenceReceipt(bytes32 requestId,uint256 modelId,uint256 deploymentId,uint256 communityId,"
        "bytes32 userId,uint8 userKind,bytes32 inputHash,bytes32 outputHash,uint64 timestamp,"
        "uint64 epoch,uint256 fee,address payer,bytes32 userAuth,bytes32 attributionHash)"
    );

    /// @notice keccak256 of the InferenceRequest EIP-712 type string (docs/protocol.md).
    bytes32 public constant INFERENCE_REQUEST_TYPEHASH = keccak256(
        "InferenceRequest(address user,uint256 modelId,bytes32 inputHash,uint256 nonce,uint64 deadline,uint256 maxFee)"
    );

    /// @notice Longest allowed epoch (a year), which also keeps epoch arithmetic far from overflow.
    uint64 public constant MAX_EPOCH_LENGTH = 365 days;

    /// @notice Longest allowed batch data URI, in bytes.
    uint256 public constant MAX_DATA_URI_LENGTH = 512;

    /// @notice Unix time at which epoch 0 starts.
    uint64 private immutable _GENESIS;
    /// @notice Seconds per epoch.
    uint64 private immutable _EPOCH_LENGTH;
    /// @notice Seconds after an epoch ends during which its batches are still accepted.
    uint64 private immutable _BATCH_GRACE_PERIOD;

    /// @notice Each relayer's last committed batch id; written by submitBatch.
    mapping(address relayer => uint64 batchId) private _lastBatchId;
    /// @notice `hashBatchHeader` of each relayer's committed batches by id (zero: none); written once per
    /// batch by submitBatch. The header itself travels in `BatchSubmitted`.
    mapping(address relayer => mapping(uint64 batchId => bytes32 commitment)) private _batchCommitments;

    /**
     * @notice Sets the admin and the immutable epoch clock.
     * @param admin Holder of DEFAULT_ADMIN_ROLE, which manages relayers.
     * @param genesis_ Unix time at which epoch 0 starts (non-zero).
     * @param epochLength_ Seconds per epoch, 1 to MAX_EPOCH_LENGTH.
     * @param batchGracePeriod_ Seconds after an epoch ends during which its batches are still accepted,
     * at most one epoch.
     */
    constructor(
        address admin,
        uint64 genesis_,
        uint64 epochLength_,
        uint64 batchGracePeriod_
    ) AccessControlDefaultAdminRules(0, admin) EIP712("Kho UsageLedger", "1") {
        if (genesis_ == 0) revert InvalidGenesis(genesis_);
        if (epochLength_ == 0 || epochLength_ > MAX_EPOCH_LENGTH) {
            revert InvalidEpochLength(epochLength_, MAX_EPOCH_LENGTH);
        }
        if (batchGracePeriod_ > epochLength_) revert InvalidBatchGracePeriod(batchGracePeriod_, epochLength_);
        _GENESIS = genesis_;
        _EPOCH_LENGTH = epochLength_;
        _BATCH_GRACE_PERIOD = batchGracePeriod_;
    }

    /// @inheritdoc IUsageLedger
    function addRelayer(address relayer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addRelayer(relayer);
    }

    /// @inheritdoc IUsageLedger
    function revokeRelayer(address relayer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _revokeRelayer(relayer);
    }

    /// @inheritdoc IUsageLedger
    function rotateRelayer(address oldRelayer, address newRelayer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _revokeRelayer(oldRelayer);
        _addRelayer(newRelayer);
    }

    /// @inheritdoc IUsageLedger
    function submitBatch(
        uint64 epoch,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        string calldata dataURI,
        bytes32 dataHash
    ) external onlyRole(RELAYER_ROLE) {
        uint64 expected = _lastBatchId[msg.sender] + 1;
        if (batchId != expected) revert InvalidBatchId(msg.sender, batchId, expected);
        if (root == bytes32(0)) revert ZeroRoot();
        if (count == 0) revert EmptyBatch();
        if (dataHash == bytes32(0)) revert ZeroDataHash();
        uint256 uriLength = bytes(dataURI).length;
        if (uriLength == 0 || uriLength > MAX_DATA_URI_LENGTH) {
            revert InvalidDataURILength(uriLength, MAX_DATA_URI_LENGTH);
        }
        uint256 opensAt = _epochStart(epoch);
        uint256 closesAt = _epochEnd(epoch) + _BATCH_GRACE_PERIOD;
        if (block.timestamp < opensAt || block.timestamp >= closesAt) revert EpochNotOpen(epoch, opensAt, closesAt);

        _lastBatchId[msg.sender] = batchId;
        _batchCommitments[msg.sender][batchId] = _hashBatchHeader(epoch, root, count, dataHash);
        emit BatchSubmitted(msg.sender, batchId, epoch, root, count, dataURI, dataHash);
    }

    /// @inheritdoc IUsageLedger
    function isRelayer(address account) external view returns (bool) {
        return hasRole(RELAYER_ROLE, account);
    }

    /// @inheritdoc IUsageLedger
    function genesis() external view returns (uint64) {
        return _GENESIS;
    }

    /// @inheritdoc IUsageLedger
    function epochLength() external view returns (uint64) {
        return _EPOCH_LENGTH;
    }

    /// @inheritdoc IUsageLedger
    function batchGracePeriod() external view returns (uint64) {
        return _BATCH_GRACE_PERIOD;
    }

    /// @inheritdoc IUsageLedger
    function currentEpoch() external view returns (uint64) {
        return _epochAt(block.timestamp);
    }

    /// @inheritdoc IUsageLedger
    function epochAt(uint256 timestamp) external view returns (uint64) {
        return _epochAt(timestamp);
    }

    /// @inheritdoc IUsageLedger
    function epochStart(uint64 epoch) external view returns (uint256) {
        return _epochStart(epoch);
    }

    /// @inheritdoc IUsageLedger
    function isEpochFinal(uint64 epoch) external view returns (bool) {
        return block.timestamp >= _epochEnd(epoch) + _BATCH_GRACE_PERIOD;
    }

    /// @inheritdoc IUsageLedger
    function lastBatchId(address relayer) external view returns (uint64) {
        return _lastBatchId[relayer];
    }

    /// @inheritdoc IUsageLedger
    function batchCommitment(address relayer, uint64 batchId) external view returns (bytes32) {
        return _batchCommitments[relayer][batchId];
    }

    /// @inheritdoc IUsageLedger
    function hashBatchHeader(BatchHeader calldata header) external pure returns (bytes32) {
        return _hashBatchHeader(header.epoch, header.root, header.count, header.dataHash);
    }

    /// @inheritdoc IUsageLedger
    function isBatchCommitted(
        address relayer,
        uint64 batchId,
        BatchHeader calldata header
    ) external view returns (bool) {
        return _isBatchCommitted(relayer, batchId, header);
    }

    /// @inheritdoc IUsageLedger
    function hashReceipt(InferenceReceipt calldata receipt) public view returns (bytes32) {
        // Every field is a static type, so abi.encode(receipt) is exactly the concatenation of the
        // 32-byte encoded fields that EIP-712's encodeData prescribes.
        return _hashTypedDataV4(keccak256(abi.encode(RECEIPT_TYPEHASH, receipt)));
    }

    /// @inheritdoc IUsageLedger
    function receiptSigner(
        InferenceReceipt calldata receipt,
        bytes calldata signature
    ) external view returns (address) {
        return ECDSA.recover(hashReceipt(receipt), signature);
    }

    /// @inheritdoc IUsageLedger
    function verifyReceipt(
        InferenceReceipt calldata receipt,
        bytes calldata signature,
        address relayer,
        uint64 batchId,
        BatchHeader calldata batch,
        bytes32[] calldata proof
    ) external view returns (bool) {
        if (batch.epoch != receipt.epoch || !_isBatchCommitted(relayer, batchId, batch)) return false;
        // A receipt whose epoch field disagrees with its own timestamp is malformed whoever signed it;
        // the rewards pipeline drops such receipts, so this view must not call them valid.
        if (receipt.timestamp < _GENESIS || (receipt.timestamp - _GENESIS) / _EPOCH_LENGTH != receipt.epoch) {
            return false;
        }
        bytes32 receiptHash = hashReceipt(receipt);
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(receiptHash, signature);
        if (error != ECDSA.RecoverError.NoError || signer != relayer) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(receiptHash))));
        return MerkleProof.verifyCalldata(proof, batch.root, leaf);
    }

    /// @inheritdoc IUsageLedger
    function hashInferenceRequest(InferenceRequest calldata request) public view returns (bytes32) {
        // All fields are static types: abi.encode(request) is EIP-712's encodeData (see hashReceipt).
        return _hashTypedDataV4(keccak256(abi.encode(INFERENCE_REQUEST_TYPEHASH, request)));
    }

    /// @inheritdoc IUsageLedger
    function inferenceRequestSigner(
        InferenceRequest calldata request,
        bytes calldata signature
    ) external view returns (address) {
        return ECDSA.recover(hashInferenceRequest(request), signature);
    }

    /**
     * @dev Emits RelayerAdded on every path that grants the relayer role (addRelayer, rotateRelayer,
     * grantRole), so indexers learn when a signer became valid from one event.
     */
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == RELAYER_ROLE) emit RelayerAdded(account, _msgSender());
    }

    /// @dev Emits RelayerRevoked on every path that removes the relayer role, renounceRole included.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == RELAYER_ROLE) emit RelayerRevoked(account, _msgSender());
    }

    function _addRelayer(address relayer) private {
        if (relayer == address(0)) revert ZeroAddress("relayer");
        if (hasRole(RELAYER_ROLE, relayer)) revert RelayerAlreadyAdded(relayer);
        _grantRole(RELAYER_ROLE, relayer);
    }

    function _revokeRelayer(address relayer) private {
        if (!hasRole(RELAYER_ROLE, relayer)) revert NotRelayer(relayer);
        _revokeRole(RELAYER_ROLE, relayer);
    }

    /// @dev A zero root is never committed, so an all-zero header never matches an empty slot's zero.
    function _isBatchCommitted(
        address relayer,
        uint64 batchId,
        BatchHeader calldata header
    ) private view returns (bool) {
        return
            header.root != bytes32(0) &&
            _batchCommitments[relayer][batchId] ==
                _hashBatchHeader(header.epoch, header.root, header.count, header.dataHash);
    }

    /// @dev keccak256(abi.encode(BatchHeader)): every field is static, so this is the struct's encoding.
    function _hashBatchHeader(
        uint64 epoch,
        bytes32 root,
        uint32 count,
        bytes32 dataHash
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(epoch, root, count, dataHash));
    }

    function _epochAt(uint256 timestamp) private view returns (uint64) {
        if (timestamp < _GENESIS) revert BeforeGenesis(timestamp, _GENESIS);
        return SafeCast.toUint64((timestamp - _GENESIS) / _EPOCH_LENGTH);
    }

    /// @dev Computed in uint256: (2^64 - 1) epochs of at most a year stay far below 2^256.
    function _epochStart(uint64 epoch) private view returns (uint256) {
        return uint256(_GENESIS) + uint256(epoch) * _EPOCH_LENGTH;
    }

    /// @dev When `epoch` ends (the next one starts), without overflowing at the largest uint64 epoch.
    function _epochEnd(uint64 epoch) private view returns (uint256) {
        return _epochStart(epoch) + _EPOCH_LENGTH;
    }
}
