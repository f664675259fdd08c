// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IUsageLedger} from "./interfaces/IUsageLedger.sol";

/**
 * @title UsageLedger
 * @author Kho
 * @notice Records relayer batches of signed inference receipts and keeps Kho's epoch clock.
 * @dev Receipts themselves never touch the chain: a batch costs one storage write of its root
 * whatever its size, and anyone can check a receipt against it with `verifyReceipt`.
 * A revoked relayer's earlier batches stay valid: they were authorized when committed.
 * DEFAULT_ADMIN_ROLE can be handed over but never left empty (`LastAdmin`), so a leaked relayer key
 * can always be revoked.
 */
contract UsageLedger is IUsageLedger, AccessControl, EIP712 {
    /// @notice Role of the keys that sign receipts and submit batches.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice keccak256 of the InferenceReceipt EIP-712 type string (docs/protocol.md).
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "InferenceReceipt(bytes32 requestId,uint256 modelId,uint256 deploymentId,uint256 communityId,"
        "bytes32 userId,uint8 userKind,bytes32 inputHash,bytes32 outputHash,uint64 timestamp,"
        "uint64 epoch,uint256 fee,address payer,bytes32 userAuth)"
    );

    /// @notice keccak256 of the InferenceRequest EIP-712 type string (docs/protocol.md).
    bytes32 public constant INFERENCE_REQUEST_TYPEHASH = keccak256(
        "InferenceRequest(address user,uint256 modelId,bytes32 inputHash,uint256 nonce,uint64 deadline,uint256 maxFee)"
    );

    /// @notice Longest allowed epoch (a year), which also keeps epoch arithmetic far from overflow.
    uint64 public constant MAX_EPOCH_LENGTH = 365 days;

    /// @notice Longest allowed batch data URI, in bytes.
    uint256 public constant MAX_DATA_URI_LENGTH = 512;

    uint64 private immutable _GENESIS;
    uint64 private immutable _EPOCH_LENGTH;
    uint64 private immutable _BATCH_GRACE_PERIOD;

    mapping(address relayer => uint64 batchId) private _lastBatchId;
    mapping(address relayer => mapping(uint64 batchId => Batch batch)) private _batches;
    mapping(uint64 epoch => uint256 receipts) private _epochReceiptCount;
    uint256 private _batchCount;
    uint256 private _adminCount;

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
    ) EIP712("Kho UsageLedger", "1") {
        if (admin == address(0)) revert ZeroAddress();
        if (genesis_ == 0) revert InvalidGenesis(genesis_);
        if (epochLength_ == 0 || epochLength_ > MAX_EPOCH_LENGTH) {
            revert InvalidEpochLength(epochLength_, MAX_EPOCH_LENGTH);
        }
        if (batchGracePeriod_ > epochLength_) revert InvalidBatchGracePeriod(batchGracePeriod_, epochLength_);
        _GENESIS = genesis_;
        _EPOCH_LENGTH = epochLength_;
        _BATCH_GRACE_PERIOD = batchGracePeriod_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
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
        uint256 closesAt = _epochStart(uint256(epoch) + 1) + _BATCH_GRACE_PERIOD;
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < opensAt || block.timestamp >= closesAt) revert EpochNotOpen(epoch, opensAt, closesAt);

        _lastBatchId[msg.sender] = batchId;
        _batches[msg.sender][batchId] = Batch({
            root: root,
            dataHash: dataHash,
            epoch: epoch,
            // solhint-disable-next-line not-rely-on-time
            submittedAt: uint64(block.timestamp),
            count: count
        });
        _epochReceiptCount[epoch] += count;
        ++_batchCount;
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
    function currentEpoch() external view returns (uint256) {
        // solhint-disable-next-line not-rely-on-time
        return _epochAt(block.timestamp);
    }

    /// @inheritdoc IUsageLedger
    function epochAt(uint256 timestamp) external view returns (uint256) {
        return _epochAt(timestamp);
    }

    /// @inheritdoc IUsageLedger
    function epochStart(uint256 epoch) external view returns (uint256) {
        _requireEpochInRange(epoch);
        return _epochStart(epoch);
    }

    /// @inheritdoc IUsageLedger
    function isEpochFinal(uint256 epoch) external view returns (bool) {
        _requireEpochInRange(epoch);
        // solhint-disable-next-line not-rely-on-time
        return block.timestamp >= _epochStart(epoch + 1) + _BATCH_GRACE_PERIOD;
    }

    /// @inheritdoc IUsageLedger
    function lastBatchId(address relayer) external view returns (uint64) {
        return _lastBatchId[relayer];
    }

    /// @inheritdoc IUsageLedger
    function getBatch(address relayer, uint64 batchId) external view returns (Batch memory) {
        return _batches[relayer][batchId];
    }

    /// @inheritdoc IUsageLedger
    function epochReceiptCount(uint64 epoch) external view returns (uint256) {
        return _epochReceiptCount[epoch];
    }

    /// @inheritdoc IUsageLedger
    function batchCount() external view returns (uint256) {
        return _batchCount;
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
        bytes32[] calldata proof
    ) external view returns (bool) {
        Batch storage batch = _batches[relayer][batchId];
        if (batch.root == bytes32(0) || batch.epoch != receipt.epoch) return false;
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
        if (granted && role == DEFAULT_ADMIN_ROLE) ++_adminCount;
    }

    /**
     * @dev Emits RelayerRevoked on every path that removes the relayer role, renounceRole included.
     * Refuses to remove the last admin on any path (revokeRole or renounceRole).
     */
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        if (role == DEFAULT_ADMIN_ROLE && _adminCount == 1 && hasRole(role, account)) revert LastAdmin(account);
        revoked = super._revokeRole(role, account);
        if (revoked && role == RELAYER_ROLE) emit RelayerRevoked(account, _msgSender());
        if (revoked && role == DEFAULT_ADMIN_ROLE) --_adminCount;
    }

    function _addRelayer(address relayer) private {
        if (relayer == address(0)) revert ZeroAddress();
        if (hasRole(RELAYER_ROLE, relayer)) revert RelayerAlreadyAdded(relayer);
        _grantRole(RELAYER_ROLE, relayer);
    }

    function _revokeRelayer(address relayer) private {
        if (!hasRole(RELAYER_ROLE, relayer)) revert NotRelayer(relayer);
        _revokeRole(RELAYER_ROLE, relayer);
    }

    function _epochAt(uint256 timestamp) private view returns (uint256) {
        if (timestamp < _GENESIS) revert BeforeGenesis(timestamp, _GENESIS);
        return (timestamp - _GENESIS) / _EPOCH_LENGTH;
    }

    /// @dev Callers pass at most 2^64, so with a year-long epoch this stays far below 2^256.
    function _epochStart(uint256 epoch) private view returns (uint256) {
        return uint256(_GENESIS) + epoch * _EPOCH_LENGTH;
    }

    function _requireEpochInRange(uint256 epoch) private pure {
        if (epoch > type(uint64).max) revert EpochOutOfRange(epoch);
    }
}
