// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title MinimalCumulativeDistributor
 * @author Kho bench
 * @notice Gas baseline for RewardDistributor.claim (bench `gas`, never deployed): a cumulative Merkle
 * distributor with the same leaf, `keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))))`,
 * and nothing else: the owner sets the root at once (no timelock, guardian, pause or funding bound).
 */
contract MinimalCumulativeDistributor {
    using SafeERC20 for IERC20;

    /// @notice The reward token.
    IERC20 public immutable token;
    /// @notice Who sets roots.
    address public immutable owner;
    /// @notice The root claims are checked against; written by setRoot.
    bytes32 public root;
    /// @notice Cumulative amount each account has received; written by claim.
    mapping(address account => uint256 cumulativeAmount) public claimed;

    /// @notice Only the owner sets roots.
    error NotOwner(address caller);
    /// @notice The proof does not place the leaf in the root.
    error InvalidProof(address account, uint256 cumulativeAmount);
    /// @notice Nothing left to claim.
    error AlreadyClaimed(address account, uint256 cumulativeAmount);

    /// @notice Same signature as IRewardDistributor.Claimed.
    event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount);

    /// @param token_ The reward token (fund it by transfer).
    constructor(IERC20 token_) {
        token = token_;
        owner = msg.sender;
    }

    /// @param newRoot The new root, effective at once.
    function setRoot(bytes32 newRoot) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        root = newRoot;
    }

    /// @notice Pays `cumulativeAmount - claimed(account)` to `account`.
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof(account, cumulativeAmount);
        uint256 alreadyClaimed = claimed[account];
        if (cumulativeAmount <= alreadyClaimed) revert AlreadyClaimed(account, cumulativeAmount);
        // Safe: cumulativeAmount > alreadyClaimed was just checked.
        unchecked {
            amount = cumulativeAmount - alreadyClaimed;
        }
        claimed[account] = cumulativeAmount;
        emit Claimed(account, amount, cumulativeAmount);
        token.safeTransfer(account, amount);
    }
}
