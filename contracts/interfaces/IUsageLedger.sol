// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";

/**
 * @title IUsageLedger
 * @author Kho
 * @notice Commits batches of relayer-signed inference receipts (Merkle roots) to the chain and owns
 * the epoch clock every other part of Kho uses. See docs/protocol.md.
 * @dev Receipts are EIP-712 structs signed under the domain ("Kho UsageLedger", "1", chainId, ledger).
 * A batch tree is an OpenZeppelin StandardMerkleTree whose leaves are
 * `keccak256(bytes.concat(keccak256(abi.encode(bytes32 receiptHash))))`.
 */
interface IUsageLedger is IKhoErrors {
    /**
     * @notice One served inference call. The field order fixes the EIP-712 type string
     * (`src/protocol/eip712.ts` RECEIPT_TYPE_STRING) and must never change.
     */
    struct InferenceReceipt {
        bytes32 requestId;
        uint256 modelId;
        uint256 deploymentId;
        uint256 communityId;
        bytes32 userId;
        uint8 userKind;
        bytes32 inputHash;
        bytes32 outputHash;
        uint64 timestamp;
        uint64 epoch;
        uint256 fee;
        address payer;
        bytes32 userAuth;
        /// @dev Commitment to the dataset entries the answer cited: zero for none, else the hash of
        /// the list the batch file carries beside the receipt (`src/protocol/attribution.ts`).
        bytes32 attributionHash;
    }

    /// @notice An inference request signed by the user's own wallet (its digest goes in `userAuth`).
    struct InferenceRequest {
        address user;
        uint256 modelId;
        bytes32 inputHash;
        uint256 nonce;
        uint64 deadline;
        uint256 maxFee;
    }

    /**
     * @notice What the ledger commits to for one batch: the `submitBatch` arguments other than the id and
     * the data URI (a location, not content). The chain stores only `hashBatchHeader(header)`; the header
     * itself is in the `BatchSubmitted` event and the batch file (`src/protocol/batch-header.ts`).
     */
    struct BatchHeader {
        uint64 epoch;
        bytes32 root;
        uint32 count;
        bytes32 dataHash;
    }

    /// @notice Genesis must be a real unix time, not zero (zero means a forgotten parameter).
    error InvalidGenesis(uint64 genesis);

    /// @notice Epoch length must be between 1 second and `maxEpochLength`.
    error InvalidEpochLength(uint64 epochLength, uint64 maxEpochLength);

    /// @notice The late-submission window may not be longer than an epoch.
    error InvalidBatchGracePeriod(uint64 batchGracePeriod, uint64 epochLength);

    /// @notice `timestamp` is earlier than the ledger's genesis, so it has no epoch.
    error BeforeGenesis(uint256 timestamp, uint256 genesis);

    /// @notice `relayer` already holds the relayer role.
    error RelayerAlreadyAdded(address relayer);

    /// @notice Batch ids are contiguous per relayer, starting at 1: `expected` is the only valid next id.
    error InvalidBatchId(address relayer, uint64 batchId, uint64 expected);

    /// @notice A batch must hold at least one receipt.
    error EmptyBatch();

    /// @notice A batch's data hash of zero would leave its batch file unverifiable.
    error ZeroDataHash();

    /// @notice Batches for `epoch` are accepted only in `[opensAt, closesAt)`.
    error EpochNotOpen(uint64 epoch, uint256 opensAt, uint256 closesAt);

    /**
     * @notice A key was authorized to sign receipts and submit batches.
     * @param relayer The relayer key.
     * @param by The account that granted the role.
     */
    event RelayerAdded(address indexed relayer, address indexed by);

    /**
     * @notice A key lost the relayer role.
     * @param relayer The relayer key.
     * @param by The account that revoked it (the relayer itself when it renounced).
     */
    event RelayerRevoked(address indexed relayer, address indexed by);

    /**
     * @notice A relayer committed a batch of receipts.
     * @param relayer The relayer that signed the receipts and submitted the batch.
     * @param batchId The batch id (contiguous per relayer from 1).
     * @param epoch The epoch of every receipt in the batch.
     * @param root Root of the batch tree.
     * @param count Number of receipts.
     * @param dataURI Where the batch file can be fetched.
     * @param dataHash keccak256 of the batch file bytes.
     */
    event BatchSubmitted(
        address indexed relayer,
        uint64 indexed batchId,
        uint64 indexed epoch,
        bytes32 root,
        uint32 count,
        string dataURI,
        bytes32 dataHash
    );

    /**
     * @notice Authorizes `relayer` to sign receipts and submit batches. Only the admin.
     * @param relayer The relayer key.
     */
    function addRelayer(address relayer) external;

    /**
     * @notice Withdraws the relayer role from `relayer`. Its batches already committed stay valid, but
     * receipts it signed and has not yet committed can no longer be: a batch must be submitted by the
     * key that signed its receipts. Flush the relayer's open batches before revoking or rotating it.
     * @param relayer The relayer key.
     */
    function revokeRelayer(address relayer) external;

    /**
     * @notice Replaces a relayer key in one transaction (revoke `oldRelayer`, add `newRelayer`).
     * @param oldRelayer The key to retire.
     * @param newRelayer The key to authorize.
     */
    function rotateRelayer(address oldRelayer, address newRelayer) external;

    /**
     * @notice Commits a batch of receipts. Only a relayer; ids are contiguous per relayer from 1.
     * @param epoch The epoch every receipt of the batch belongs to.
     * @param batchId `lastBatchId(msg.sender) + 1`.
     * @param root Root of the batch's standard Merkle tree over receipt hashes.
     * @param count Number of receipts (leaves).
     * @param dataURI Where the batch file can be fetched (1 to 512 bytes).
     * @param dataHash keccak256 of the batch file bytes (non-zero).
     */
    function submitBatch(
        uint64 epoch,
        uint64 batchId,
        bytes32 root,
        uint32 count,
        string calldata dataURI,
        bytes32 dataHash
    ) external;

    /**
     * @notice Whether `account` currently holds the relayer role.
     * @param account The address to check.
     * @return True when `account` is an authorized relayer.
     */
    function isRelayer(address account) external view returns (bool);

    /**
     * @notice Unix time at which epoch 0 starts.
     * @return The genesis timestamp.
     */
    function genesis() external view returns (uint64);

    /**
     * @notice Length of an epoch in seconds.
     * @return The epoch length.
     */
    function epochLength() external view returns (uint64);

    /**
     * @notice Seconds after an epoch ends during which batches for it are still accepted.
     * @return The grace period.
     */
    function batchGracePeriod() external view returns (uint64);

    /**
     * @notice The epoch of the current block.
     * @return The current epoch.
     */
    function currentEpoch() external view returns (uint64);

    /**
     * @notice The epoch containing `timestamp`; reverts `BeforeGenesis` before genesis.
     * @param timestamp Unix seconds.
     * @return The epoch number.
     */
    function epochAt(uint256 timestamp) external view returns (uint64);

    /**
     * @notice Unix time at which `epoch` starts.
     * @param epoch The epoch number.
     * @return The start timestamp.
     */
    function epochStart(uint64 epoch) external view returns (uint256);

    /**
     * @notice Whether batches for `epoch` can no longer be submitted (its rewards are safe to compute).
     * @param epoch The epoch number.
     * @return True once `epochStart(epoch + 1) + batchGracePeriod` has passed.
     */
    function isEpochFinal(uint64 epoch) external view returns (bool);

    /**
     * @notice The id of the last batch `relayer` submitted (0 when none).
     * @param relayer The relayer key.
     * @return The last batch id.
     */
    function lastBatchId(address relayer) external view returns (uint64);

    /**
     * @notice The commitment of a batch: `hashBatchHeader` of its header, zero when it does not exist.
     * Read the header from the batch's `BatchSubmitted` event (indexed by relayer, batch id and epoch).
     * @param relayer The relayer that submitted it.
     * @param batchId Its id.
     * @return The header hash.
     */
    function batchCommitment(address relayer, uint64 batchId) external view returns (bytes32);

    /**
     * @notice `keccak256(abi.encode(header))`, the value `batchCommitment` holds for a committed batch.
     * @param header The batch header.
     * @return The header hash.
     */
    function hashBatchHeader(BatchHeader calldata header) external pure returns (bytes32);

    /**
     * @notice Whether `relayer` committed batch `batchId` with exactly this header.
     * @param relayer The relayer that submitted it.
     * @param batchId Its id.
     * @param header The claimed header (epoch, root, count, data hash).
     * @return True when the header is the committed one.
     */
    function isBatchCommitted(
        address relayer,
        uint64 batchId,
        BatchHeader calldata header
    ) external view returns (bool);

    /**
     * @notice EIP-712 digest of a receipt (what the relayer signs and the batch tree commits to).
     * @param receipt The receipt.
     * @return The receipt hash.
     */
    function hashReceipt(InferenceReceipt calldata receipt) external view returns (bytes32);

    /**
     * @notice The address that signed `receipt`; reverts with OpenZeppelin's ECDSA errors on a
     * malformed or high-s signature.
     * @param receipt The receipt.
     * @param signature 65-byte ECDSA signature over `hashReceipt(receipt)`.
     * @return The signer.
     */
    function receiptSigner(InferenceReceipt calldata receipt, bytes calldata signature) external view returns (address);

    /**
     * @notice Whether `receipt` was signed by `relayer` and is a leaf of its batch `batchId`, whose
     * committed header is `batch` and names the receipt's epoch, and the receipt's `epoch` is the ledger
     * clock's epoch of its `timestamp`.
     * Returns false (never reverts) for an invalid signature, proof or epoch. Only 65-byte low-s
     * signatures count (no ERC-2098 64-byte form). The rewards pipeline applies further off-chain
     * checks (e.g. a receipt may not be newer than its batch).
     * @param receipt The receipt.
     * @param signature The relayer's signature over the receipt hash.
     * @param relayer The relayer that submitted the batch.
     * @param batchId The batch id.
     * @param batch The batch's header as committed (from `BatchSubmitted` or the batch file).
     * @param proof Merkle proof of the receipt's leaf in the batch tree.
     * @return True when every check passes.
     */
    function verifyReceipt(
        InferenceReceipt calldata receipt,
        bytes calldata signature,
        address relayer,
        uint64 batchId,
        BatchHeader calldata batch,
        bytes32[] calldata proof
    ) external view returns (bool);

    /**
     * @notice EIP-712 digest of a wallet-signed inference request (stored in a receipt's `userAuth`).
     * @param request The request.
     * @return The request hash.
     */
    function hashInferenceRequest(InferenceRequest calldata request) external view returns (bytes32);

    /**
     * @notice The wallet that signed `request`; reverts with OpenZeppelin's ECDSA errors when invalid.
     * @param request The request.
     * @param signature 65-byte ECDSA signature over `hashInferenceRequest(request)`.
     * @return The signer.
     */
    function inferenceRequestSigner(
        InferenceRequest calldata request,
        bytes calldata signature
    ) external view returns (address);
}
