// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title ReentrantToken
 * @author Kho
 * @notice Test-only ERC-20 that, once armed, calls `callbackTarget` with `callbackData` in the middle of its next transfer
 * (before balances move), bubbling up any revert. Used to prove that token-moving entry points are nonReentrant:
 * arm it with e.g. `DatasetStaking.withdraw()` or `RewardDistributor.claim(...)` calldata, then trigger a transfer
 * through the target. The attack fires once, then disarms itself.
 */
contract ReentrantToken is ERC20 {
    // Not named `target`: that would clash with ethers' Contract.target in generated typings.
    address public callbackTarget;
    bytes public callbackData;
    bool public armed;

    constructor() ERC20("Reentrant Token", "REENT") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Calls `target` with `data` during the next transfer between two non-zero accounts.
    function arm(address target, bytes calldata data) external {
        callbackTarget = target;
        callbackData = data;
        armed = true;
    }

    /// @notice Cancels a pending attack.
    function disarm() external {
        armed = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (armed && from != address(0) && to != address(0)) {
            armed = false;
            Address.functionCall(callbackTarget, callbackData);
        }
        super._update(from, to, value);
    }
}
